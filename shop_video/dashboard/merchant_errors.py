"""A failed render's reason in words for a merchant: what happened and what to do. The technical reason (written
for operators: settings, limits, worker names) stays available under a disclosure on the page, and in the API."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MerchantError:
    summary: str
    advice: str
    technical: str


# (pattern in the technical reason, what happened, what to do): the first match wins, so specific ones come first.
_RULES: tuple[tuple[re.Pattern, str, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), summary, advice)
    for pattern, summary, advice in (
        (
            r"no weights for the|DIT_MODELS|no presenter model|PRESENTER_DIT_MODEL",
            "The AI video model this render asked for is not installed on this server.",
            "Render again with the Motion engine, or ask whoever runs your server to install the model.",
        ),
        (
            r"lost its worker|ran out of memory",
            "The computer making this video stopped before it finished.",
            "Render again. If it stops again, choose a smaller size.",
        ),
        (
            r"time limit",
            "This video took longer to make than this server allows.",
            "Choose a smaller size or a shorter template, then render again.",
        ),
        (
            r"media storage failed",
            "The finished files could not be saved.",
            "Wait a few minutes and render again; if it keeps failing, tell whoever runs your server.",
        ),
        (
            r"photo .*was deleted|image .*deleted",
            "A product photo this video used was deleted while it was being made.",
            "Render again: the video will use the photos the product has now.",
        ),
        (
            r"voice-over takes .* past the",
            "The voice-over is longer than the video.",
            "Shorten the voice-over script in the template, or lengthen its scenes, then render again.",
        ),
        (
            r"black frames|blank|frozen",
            "A generated shot came out blank.",
            "Render again; a new attempt usually works. If it does not, pick another photo as the cover.",
        ),
        (
            r"prompt",
            "A text in the template is too long or not accepted by the video model.",
            "Shorten the scene's prompt in the template, then render again.",
        ),
    )
)
_FALLBACK = (
    "This video could not be made.",
    "Render again. If it fails again, send the details below to whoever runs your server.",
)


def merchant_error_describe(*, technical: str) -> MerchantError:
    for pattern, summary, advice in _RULES:
        if pattern.search(technical):
            return MerchantError(summary=summary, advice=advice, technical=technical)
    return MerchantError(summary=_FALLBACK[0], advice=_FALLBACK[1], technical=technical)
