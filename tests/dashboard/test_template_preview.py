"""The template editor's live preview and the gallery's stills: the server draws a scene with the assembly's own
code from the unsaved form (or the saved template), as a never-cached JPEG whose pixels follow the form; bad
input is a 4xx saying why; another merchant's template or product is 404; every gallery card has a picture.

The stills are saved under var/test-artifacts/templates/ to look at."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from generation.models import VideoTemplate
from shop_video.tenancy.services import membership_add
from tests.dashboard.conftest import client_for
from tests.dashboard.test_template_editor import editor_post

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "templates"


def _preview(slug: str = "quick-bumper") -> str:
    return reverse("dashboard:template_preview", args=[slug])


def _image(response) -> np.ndarray:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))


def _save(name: str, response) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(response.content)).save(ARTIFACTS / f"{name}.png")


@pytest.fixture
def bumper(member, merchant, builtin_templates, product_with_photos):
    member.post(reverse("dashboard:template_copy", args=["quick-bumper"]))
    return VideoTemplate.objects.get(merchant=merchant, slug="quick-bumper")


def test_the_preview_follows_the_unsaved_form_text_and_colour(member, bumper, product_with_photos):
    price_card = {"preview_scene": "1", "product": str(product_with_photos.pk)}
    before = member.post(_preview(), editor_post(bumper.spec, **price_card, **{"s1-headline": "Today only"}))
    first = _image(before)
    assert first.shape == (640, 360, 3)
    retitled = _image(member.post(_preview(), editor_post(bumper.spec, **price_card, **{"s1-headline": "Gone soon"})))
    assert np.abs(first.astype(int) - retitled).max() > 100  # the headline's pixels changed
    recoloured = member.post(
        _preview(),
        editor_post(
            bumper.spec,
            **price_card,
            **{"s1-headline": "Today only", "own_colours": "on", "colour_background": "#1d3557"},
            colour_text="#f1faee",
            colour_accent="#e63946",
        ),
    )
    corner = _image(recoloured)[8, 8].astype(int)  # the card's background, top left
    assert np.abs(corner - (0x1D, 0x35, 0x57)).max() < 12 and np.abs(first[8, 8].astype(int) - corner).max() > 30
    _save("price-card-recoloured", recoloured)
    nothing_saved = VideoTemplate.objects.get(pk=bumper.pk)
    assert nothing_saved.version == 1 and "colours" not in nothing_saved.spec

    shot = member.post(_preview(), editor_post(bumper.spec, preview_scene="0", ratio="1:1"))
    assert _image(shot).shape == (360, 360, 3)
    _save("product-shot-1x1", shot)
    saved = member.get(_preview(), {"preview_scene": "0"})  # the saved template, as the gallery card shows it
    assert _image(saved).shape == (640, 360, 3)
    _save("product-shot-saved", saved)


def test_bad_preview_input_is_a_4xx_saying_why(member, bumper, other_merchant, outsider, acme_objects):
    spec = bumper.spec
    for values, status, says in (
        ({"preview_scene": "20"}, 400, "Pick a scene from 1 to 20"),
        ({"preview_scene": "-1"}, 400, "Pick a scene"),
        ({"preview_scene": "x" * 5000}, 400, "whole numbers"),
        ({"ratio": "3:1"}, 400, "aspect ratio of 9:16"),
        ({"product": "0"}, 400, "Pick a scene"),
        ({"preview_scene": "5"}, 422, "There is no scene 6"),
        ({"s1-duration": "-1"}, 422, "Scene 2, duration: must be a number"),
        ({"s1-headline": "{{ product.nope }}"}, 422, "nope"),
        ({"s0-caption": "word " * 90, "preview_scene": "0"}, 422, "shorten it"),
        ({"base": "[]"}, 400, "reload the page"),
    ):
        response = member.post(_preview(), editor_post(spec, **values))
        assert response.status_code == status and says in response.content.decode(), (values, response.content[:300])
        assert response["Cache-Control"] == "private, no-store"
    others = outsider  # globex's product and acme's own template are not found from the other side
    from tests.factories import product_make

    theirs = product_make(merchant=other_merchant, sku="THEIRS-1", photos=1)
    assert member.post(_preview(), editor_post(spec, product=str(theirs.pk))).status_code == 404
    assert others.get(_preview("acme-only")).status_code == 404
    assert others.post(_preview("acme-only"), editor_post(acme_objects["template"].spec)).status_code == 404


def test_viewers_see_the_saved_template_only(merchant, bumper):
    membership_add(merchant=merchant, email="viewer@acme.test", role="viewer")
    viewer = client_for(merchant, email="viewer@acme.test")
    _image(viewer.get(_preview(), {"preview_scene": "1"}))
    assert viewer.post(_preview(), editor_post(bumper.spec)).status_code == 403


def test_every_gallery_card_has_a_picture(member, merchant, builtin_templates, acme_objects, outsider):
    page = member.get(reverse("dashboard:templates")).content.decode()
    cards = page.split('<li class="card template-card">')[1:]
    assert len(cards) == len(builtin_templates) + 1 and "No preview yet" not in page
    stills = []
    for card in cards:
        found = re.search(r'<img class="template-still" src="([^"]+)"', card)
        assert found, card[:400]  # no video yet anywhere: a still of the first scene on every card
        stills.append(found.group(1).replace("&amp;", "&"))
    sheet = [Image.open(io.BytesIO(member.get(url).content)) for url in stills]
    assert all(image.size == (360, 640) for image in sheet)
    # acme's cards show acme's own mug; a shop without products sees the demo espresso cup, large in the frame.
    demo = outsider.get(_preview("product-showcase"))
    cup = _image(demo)
    assert (cup.std(axis=(0, 1)) > 20).all()  # a photo, not a flat card
    _save("demo-product-showcase", demo)
    contact = Image.new("RGB", (360 * len(sheet), 640), "white")
    for index, image in enumerate(sheet):
        contact.paste(image, (360 * index, 0))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    contact.save(ARTIFACTS / "gallery-stills.png")
