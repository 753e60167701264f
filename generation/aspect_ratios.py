"""The aspect ratios we deliver, defined once: each one's width:height, in the order the product offers them.
Pure data, so settings-free code (the timeline, the DiT families) and the API alike can import it."""

ASPECT_SHAPES: dict[str, tuple[int, int]] = {"9:16": (9, 16), "1:1": (1, 1), "16:9": (16, 9), "4:5": (4, 5)}
ASPECT_RATIOS: tuple[str, ...] = tuple(ASPECT_SHAPES)
