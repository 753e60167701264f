"""Product first: the product is cut out of its photo (or, when that is unsure, its photo is framed), placed large,
and never cropped by the frame or the safe zone at any frame of any camera move, in every aspect ratio.

Photos: synthetic ones with a known product (white studio, coloured backdrop, busy backdrop), one with no clear
product, a flat one, and the demo photos. Before/after frames go to var/test-artifacts/product/ to look at:
before = the photo as it was shown (contained in the frame over a blurred copy of itself), after = this engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from generation.aspect_ratios import ASPECT_SHAPES
from generation.assembly.timeline import rendition_size, safe_area
from generation.engines.base import ShotRequest
from generation.engines.motion import CAMERA_PRESETS, TALL_COVERAGE, WIDE_COVERAGE, MotionEngine
from generation.imaging.saliency import detail_regions, saliency_map, salient_box
from generation.imaging.segmentation import CONFIDENT, product_segment

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "product"
DEMO = ROOT / "catalog" / "demo_photos"
PRODUCT = (40, 90, 200)  # the synthetic product's body colour
BRAND = ["#1d3557", "#f1faee", "#e63946"]


def _bottle(size: tuple[int, int], backdrop) -> Image.Image:
    """A blue bottle with a red cap, centred, on `backdrop` (a colour or an image)."""
    photo = backdrop.copy() if isinstance(backdrop, Image.Image) else Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(photo)
    width, height = size
    draw.rounded_rectangle(
        (width * 0.35, height * 0.25, width * 0.65, height * 0.85), radius=width * 0.05, fill=PRODUCT
    )
    draw.ellipse((width * 0.40, height * 0.12, width * 0.60, height * 0.30), fill=(220, 60, 40))
    return photo


def _wood(size: tuple[int, int]) -> Image.Image:
    """A busy table: brown grain stripes, knots and noise (like the demo espresso cup's), all over the photo."""
    width, height = size
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = np.sin(xs / 7.0 + 3 * np.sin(ys / 40.0)) * 0.5 + 0.5
    shade = 0.75 + 0.25 * grain + rng.normal(0, 0.06, (height, width))
    wood = np.stack([150 * shade, 95 * shade, 55 * shade], axis=2)
    return Image.fromarray(np.clip(wood, 0, 255).astype(np.uint8))


def _busy(size: tuple[int, int], seed: int, blocks: tuple[int, int] = (40, 50)) -> Image.Image:
    noise = np.random.default_rng(seed).integers(0, 256, (*blocks, 3), dtype=np.uint8)
    return Image.fromarray(noise).resize(size, Image.Resampling.BICUBIC)


PHOTOS = {
    "white-studio": lambda: _bottle((400, 500), (250, 250, 250)),
    "coloured": lambda: _bottle((500, 400), (240, 200, 60)),
    "busy": lambda: _bottle((400, 500), _wood((400, 500))),
    "wide-product": lambda: _wide_product(),
}


def _wide_product() -> Image.Image:
    photo = Image.new("RGB", (600, 300), (245, 245, 245))
    ImageDraw.Draw(photo).rounded_rectangle((60, 110, 540, 200), radius=20, fill=PRODUCT)
    return photo


@pytest.fixture(scope="module")
def photo_paths(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("product-photos")
    paths = {}
    for name, make in PHOTOS.items():
        paths[name] = str(folder / f"{name}.png")
        make().save(paths[name])
    paths["no-product"] = str(folder / "no-product.png")
    _busy((480, 400), 2, blocks=(10, 12)).save(paths["no-product"])
    paths["flat"] = str(folder / "flat.png")
    Image.new("RGB", (300, 300), (128, 128, 128)).save(paths["flat"])
    return paths


def _request(path: str, width: int, height: int, camera: str, **parameters) -> ShotRequest:
    return ShotRequest(
        width=width,
        height=height,
        fps=12,
        num_frames=9,
        image_path=path,
        camera=camera,
        parameters={"brand_colours": BRAND, **parameters},
    )


def _product_pixels_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """Bounding box of the synthetic product's blue body in a frame."""
    distance = np.abs(frame.astype(np.int16) - np.array(PRODUCT, dtype=np.int16)).sum(axis=2)
    rows, cols = np.nonzero(distance < 45)
    assert rows.size, "product not visible"
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


# --- segmentation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["white-studio", "coloured", "busy"])
def test_a_product_is_cut_out_confidently_and_tightly(name):
    photo = np.asarray(PHOTOS[name]())
    height, width = photo.shape[:2]
    found = product_segment(photo)
    assert found.confident, f"confidence {found.confidence}"
    # The bottle spans x 0.35-0.65 and y 0.12-0.85 of the photo: the box is that within 2 %.
    expected = (0.35 * width, 0.12 * height, 0.65 * width, 0.85 * height)
    for got, want, side in zip(found.box, expected, (width, height, width, height)):
        assert abs(got - want) <= 0.02 * side, f"box {found.box}, expected about {expected}"
    body = found.mask[round(height * 0.5), round(width * 0.5)]
    backdrop = found.mask[round(height * 0.5), round(width * 0.1)]
    assert body > 0.95 and backdrop < 0.05


def test_a_photo_without_a_clear_product_is_not_cut_out(photo_paths):
    for name in ("no-product", "flat"):
        found = product_segment(np.asarray(Image.open(photo_paths[name]).convert("RGB")))
        assert found.confidence < CONFIDENT, name


def test_demo_photos_the_cup_is_cut_out_the_prints_are_framed_whole():
    """The espresso cup on a busy wooden table is a product; the art prints are scenes, whole photos."""
    confidences = {}
    for path in sorted(DEMO.glob("*.jpg")):
        confidences[path.stem] = product_segment(np.asarray(Image.open(path).convert("RGB"))).confidence
    assert confidences["espresso-cup"] >= CONFIDENT
    assert all(value < CONFIDENT for name, value in confidences.items() if name != "espresso-cup"), confidences


def test_saliency_finds_the_product_and_detail_regions_stay_on_it():
    photo = np.asarray(PHOTOS["white-studio"]())
    saliency = saliency_map(photo)
    left, top, right, bottom = salient_box(saliency)
    assert left < 0.37 and right > 0.63 and top < 0.14 and bottom > 0.83 and right - left < 0.45
    regions = detail_regions(saliency, size=0.3, aspect=0.75, count=2, within=(0.3, 0.1, 0.7, 0.9))
    assert len(regions) == 2
    for region in regions:
        assert 0.3 - 1e-6 <= region[0] and region[2] <= 0.7 + 0.01 and 0.1 - 1e-6 <= region[1]
        assert (region[2] - region[0]) * 400 / ((region[3] - region[1]) * 500) == pytest.approx(0.75, rel=0.1)
    assert salient_box(saliency_map(np.full((200, 200, 3), 90, np.uint8))) is None


# --- framing: coverage and no crop at every frame -------------------------------------------------------


@pytest.mark.parametrize("aspect_ratio", list(ASPECT_SHAPES))
@pytest.mark.parametrize("camera", CAMERA_PRESETS)
@pytest.mark.parametrize("name", ["white-studio", "wide-product"])
def test_the_product_is_large_and_whole_inside_the_safe_area_at_every_frame(photo_paths, name, camera, aspect_ratio):
    width, height = rendition_size(aspect_ratio, 144)
    result = MotionEngine().generate(_request(photo_paths[name], width, height, camera))
    safe = safe_area(width, height)
    assert result.metadata["segmentation"] == "cutout"
    smallest = None
    for index, frame in enumerate(result.frames):
        left, top, right, bottom = _product_pixels_box(frame)
        assert (
            left >= safe.left - 1 and top >= safe.top - 1 and right <= safe.right + 1 and bottom <= safe.bottom + 1
        ), f"frame {index}: product {left, top, right, bottom} outside {safe}"
        if smallest is None or (right - left) * (bottom - top) < smallest[2] * smallest[3]:
            smallest = (left, top, right - left, bottom - top)
    if aspect_ratio == "9:16":
        _, _, box_w, box_h = smallest
        # The blue body is the product less its cap (white-studio) or all of it (wide-product).
        body = 1.0 if name == "wide-product" else 0.60 / 0.73
        assert box_h / height >= TALL_COVERAGE * body - 0.01 or box_w / width >= WIDE_COVERAGE - 0.01, smallest
    # The recorded worst-frame box is the product's, in frame fractions, inside the safe area.
    box = result.metadata["product_box"]
    assert safe.left / width - 0.005 <= box[0] < box[2] <= safe.right / width + 0.005
    assert safe.top / height - 0.005 <= box[1] < box[3] <= safe.bottom / height + 0.005
    assert abs(box[2] * width - (smallest[0] + smallest[2])) <= 2 + 0.05 * width


ALL_PHOTOS = [*PHOTOS, "no-product", "flat", *(path.stem for path in sorted(DEMO.glob("*.jpg")))]


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_recorded_coverage_meets_the_9_16_threshold_for_every_photo(photo_paths, name):
    """What the quality report reads: the worst-frame box, for cut-outs and fallbacks alike, in every ratio: inside
    the safe area, and at least half the frame high or 80 % of it wide."""
    path = photo_paths.get(name) or str(DEMO / f"{name}.jpg")
    for aspect_ratio in ASPECT_SHAPES:
        width, height = rendition_size(aspect_ratio, 144)
        safe = safe_area(width, height)
        for camera in ("push_in", "orbit", "zoom_out"):
            metadata = MotionEngine().generate(_request(path, width, height, camera)).metadata
            left, top, right, bottom = metadata["product_box"]
            where = f"{name} {camera} {aspect_ratio}: {metadata['product_box']}"
            assert (
                left >= safe.left / width - 0.005
                and right <= safe.right / width + 0.005
                and top >= safe.top / height - 0.005
                and bottom <= safe.bottom / height + 0.005
            ), where
            # The issue sets this size for 9:16; the engine holds it in every shape (each safe area allows it).
            assert bottom - top >= TALL_COVERAGE or right - left >= WIDE_COVERAGE - 0.001, where


def test_a_failed_segmentation_falls_back_to_a_large_clean_frame_and_says_so(photo_paths):
    width, height = rendition_size("9:16", 144)
    for name in ("no-product", "flat"):
        result = MotionEngine().generate(_request(photo_paths[name], width, height, "orbit"))
        assert result.metadata["segmentation"] == "fallback" and result.metadata["framing"] == "panel"
        left, top, right, bottom = result.metadata["product_box"]
        assert right - left >= WIDE_COVERAGE - 0.001 or bottom - top >= TALL_COVERAGE
        assert result.frames.std() > 1  # a picture, not an empty frame


def test_detail_shots_frame_different_close_ups_and_say_so(photo_paths):
    width, height = rendition_size("9:16", 144)
    results = [
        MotionEngine().generate(_request(photo_paths["coloured"], width, height, "push_in", detail=rank))
        for rank in (0, 1)
    ]
    regions = [result.metadata["detail_region"] for result in results]
    assert all(result.metadata["framing"] == "detail" for result in results)
    assert regions[0] != regions[1]
    for region in regions:  # a close-up: well under the whole photo
        assert (region[2] - region[0]) * (region[3] - region[1]) < 0.5
    assert not np.array_equal(results[0].frames[0], results[1].frames[0])


def test_the_backdrop_takes_the_brand_colours(photo_paths):
    width, height = rendition_size("1:1", 144)
    navy = MotionEngine().generate(_request(photo_paths["white-studio"], width, height, "static")).frames[0]
    corner = navy[:10, :10].reshape(-1, 3).mean(axis=0)
    assert corner[2] > corner[0] + 30, f"a navy brand should give a blue backdrop, got {corner}"
    plain = (
        MotionEngine()
        .generate(
            ShotRequest(
                width=width,
                height=height,
                fps=12,
                num_frames=1,
                image_path=photo_paths["white-studio"],
                camera="static",
            )
        )
        .frames[0]
    )
    assert plain[:10, :10].mean() > 150  # no brand kit: a light neutral backdrop


# --- before / after frames to look at ---------------------------------------------------------------------


def _before(photo: Image.Image, width: int, height: int) -> Image.Image:
    """The engine as it was: the photo contained at 84 % over a blurred, dimmed copy of itself."""
    backdrop = ImageOps.fit(photo, (width, height)).filter(ImageFilter.GaussianBlur(8)).point(lambda v: v * 0.55)
    contained = ImageOps.contain(photo, (round(width * 0.84), round(height * 0.84)))
    backdrop.paste(contained, ((width - contained.width) // 2, (height - contained.height) // 2))
    return backdrop


def test_save_before_and_after_frames(photo_paths):
    """One sheet per aspect ratio: per photo, before | after (orbit, mid-shot) | a detail shot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sources = {**photo_paths, **{path.stem: str(path) for path in sorted(DEMO.glob("*.jpg"))}}
    sizes = {aspect_ratio: rendition_size(aspect_ratio, 240) for aspect_ratio in ("9:16", "1:1", "16:9")}
    tiles: dict[str, list] = {aspect_ratio: [] for aspect_ratio in sizes}
    for _name, path in sources.items():  # photo by photo, so each is segmented once
        photo = Image.open(path).convert("RGB")
        for aspect_ratio, (width, height) in sizes.items():
            short = dict(_request(path, width, height, "orbit").__dict__, num_frames=3)
            after = MotionEngine().generate(ShotRequest(**short)).frames[1]
            detail = (
                MotionEngine()
                .generate(
                    ShotRequest(**{**short, "camera": "static", "parameters": {"brand_colours": BRAND, "detail": 0}})
                )
                .frames[0]
            )
            tiles[aspect_ratio].append([_before(photo, width, height), Image.fromarray(after), Image.fromarray(detail)])
    for aspect_ratio, (width, height) in sizes.items():
        rows = tiles[aspect_ratio]
        sheet = Image.new("RGB", (3 * width + 8, len(rows) * (height + 4)), (255, 0, 255))
        for row, images in enumerate(rows):
            for column, image in enumerate(images):
                sheet.paste(image, (column * (width + 4), row * (height + 4)))
        target = ARTIFACTS / f"before-after-detail-{aspect_ratio.replace(':', 'x')}.png"
        sheet.save(target)
        assert target.stat().st_size > 0
