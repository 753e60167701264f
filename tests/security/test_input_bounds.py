"""Every number and every size a request can set is bounded, and the refusal names the limit; never a 500.

The walks are what keeps it so: every serializer and form in the project, and every request body and query
parameter in the OpenAPI schema, are introspected, and a writable number without a range fails the test (add
one: shop_video.api.serializers' Bounded*Field, or min_value/max_value on a form field). Each bounded number is
then sent too big, too small, negative, NaN, Infinity, 1e400 and as a 5,000-digit string.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from shop_video.api.parsers import MAX_JSON_DEPTH
from shop_video.api.serializers import BoundedDecimalField, BoundedFloatField, BoundedIntegerField
from tests.api.conftest import acme  # noqa: F401  (one of everything, for the schema's path parameters)

pytestmark = pytest.mark.django_db

# Where serializers and forms live; the rest of the code takes no request input.
_INPUT_MODULES = {"api", "api_serializers", "serializers", "forms", "admin", "views", "pagination"}
_NUMBER_FIELDS = (serializers.IntegerField, serializers.FloatField, serializers.DecimalField)
_FORM_NUMBER_FIELDS = (forms.IntegerField, forms.FloatField, forms.DecimalField)


def _project_classes(base: type) -> list[type]:
    found = {}
    for package in ("catalog", "generation", "shop_video"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if module.name.rsplit(".", 1)[-1] not in _INPUT_MODULES:
                continue
            for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
                if issubclass(cls, base) and cls.__module__.split(".")[0] in ("catalog", "generation", "shop_video"):
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[name] for name in sorted(found)]


def _writable_numbers(fields: dict, prefix: str = ""):
    for name, field in fields.items():
        if field.read_only:
            continue
        field = field.child if isinstance(field, (serializers.ListSerializer, serializers.ListField)) else field
        field = field.child if isinstance(field, serializers.DictField) else field
        if isinstance(field, serializers.BaseSerializer):
            yield from _writable_numbers(field.fields, f"{prefix}{name}.")
        elif isinstance(field, _NUMBER_FIELDS):
            yield f"{prefix}{name}", field


def _hostile(low, high) -> list:
    """Out of range in every way a client could send it."""
    return [high + 1, high * 10 + 1, low - 1, -1 if low >= 0 else low * 10 - 1, "NaN", "Infinity", "-Infinity",
            "1e400", "9" * 5000, float("nan"), float("inf"), 10**40, "not a number"]  # fmt: skip


def _names_the_limit(message: str, low, high) -> bool:
    return str(high) in message or str(low) in message


def test_every_writable_number_in_a_serializer_has_a_range_its_errors_name():
    unbounded, checked = [], []
    for cls in _project_classes(serializers.BaseSerializer):
        if issubclass(cls, serializers.ListSerializer):
            continue  # a list of its child serializer, which the walk checks on its own
        try:
            instance = cls()
        except TypeError:
            continue  # needs arguments: not a request shape
        for name, field in _writable_numbers(getattr(instance, "fields", {})):
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if not isinstance(field, (BoundedIntegerField, BoundedFloatField, BoundedDecimalField)):
                unbounded.append(where)
                continue
            for value in _hostile(field.min_value, field.max_value):
                with pytest.raises(ValidationError) as refused:
                    field.run_validation(value)
                message = " ".join(map(str, refused.value.detail))
                assert _names_the_limit(message, field.min_value, field.max_value), (where, value, message)
            checked.append(where)
    assert not unbounded, (
        f"{unbounded}: a number a request can set needs a range (shop_video.api.serializers' Bounded*Field, "
        "from the model field where there is one); a number only shown in responses: read_only=True."
    )
    assert "generation.presenter.api.PresenterCreateSerializer.speed" in checked  # the walk finds what it should


def test_every_number_field_of_a_form_has_a_range_its_errors_name():
    unbounded, checked = [], []
    for cls in _project_classes(forms.BaseForm):
        try:
            instance = cls()
        except Exception:
            continue
        for name, field in instance.fields.items():
            if not isinstance(field, _FORM_NUMBER_FIELDS):
                continue
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if field.min_value is None or field.max_value is None:
                unbounded.append(where)
                continue
            for value in _hostile(field.min_value, field.max_value):
                with pytest.raises(DjangoValidationError) as refused:
                    field.clean(str(value))
                message = " ".join(refused.value.messages)
                assert _names_the_limit(message, field.min_value, field.max_value), (where, value, message)
            checked.append(where)
    assert not unbounded, f"{unbounded}: give each number field min_value and max_value."
    assert "generation.admin.PresenterAdminForm.speed" in checked


def _numbers_in(schema: dict, components: dict, prefix: str = ""):
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combined, []):
            yield from _numbers_in(part, components, prefix)
    for name, inner in schema.get("properties", {}).items():
        if inner.get("readOnly"):
            continue
        if "$ref" in inner or "properties" in inner or "allOf" in inner:
            yield from _numbers_in(inner, components, f"{prefix}{name}.")
        elif inner.get("type") in ("integer", "number"):
            yield f"{prefix}{name}", inner


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_number_a_request_sends_is_bounded_in_the_schema_and_refused_out_of_range(api, acme):  # noqa: F811
    schema = _schema()
    components = schema["components"]["schemas"]
    unbounded, sent = [], 0
    for path, methods in schema["paths"].items():
        url = path.format(**{key: value for key, value in acme["values"].items()})
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                kind = parameter.get("schema", {})
                if parameter["in"] != "query" or kind.get("type") not in ("integer", "number"):
                    continue
                if "minimum" not in kind or "maximum" not in kind:
                    unbounded.append(f"{where} ?{parameter['name']}")
                    continue
                for value in _hostile(kind["minimum"], kind["maximum"])[:9]:
                    response = api.generic(method.upper(), f"{url}?{parameter['name']}={value}")
                    assert response.status_code == 400, (where, parameter["name"], value, response.content[:300])
                    message = response.json()["error"]["message"]
                    assert _names_the_limit(message, kind["minimum"], kind["maximum"]), (where, value, message)
                    sent += 1
            for media, body in operation.get("requestBody", {}).get("content", {}).items():
                numbers = _numbers_in(body["schema"], components)
                sent += _bodies_send(api, method, url, where, media, numbers, unbounded)
    assert not unbounded, f"{unbounded}: document and enforce a range (minimum and maximum) for each."
    assert sent >= 20  # the paginated lists' limit and the presenter's speed, at least


def _bodies_send(api, method: str, url: str, where: str, media: str, numbers, unbounded: list) -> int:
    """Each number of the body out of range, alone, as JSON (numbers as numbers and as text) or as form fields."""
    sent = 0
    for name, kind in numbers:
        if "minimum" not in kind or "maximum" not in kind:
            unbounded.append(f"{where} {name} ({media})")
            continue
        low, high = kind["minimum"], kind["maximum"]
        for value in _hostile(low, high)[:9]:
            if media == "application/json":
                response = api.generic(method.upper(), url, json.dumps({name: value}), media)
            else:
                response = getattr(api, method)(url, {name: str(value)}, format="multipart")
            assert response.status_code == 400, (where, name, value, response.content[:300])
            error = response.json()["error"]
            message = " ".join(error.get("fields", {}).get(name, [])) or error["message"]
            assert _names_the_limit(message, low, high), (where, name, value, message)
            sent += 1
    return sent


JSON_BEYOND_LIMITS = [
    ('{"template": 1e400}', "numbers must be finite"),
    ('{"template": NaN}', "NaN is not a number JSON allows"),
    ('{"template": -Infinity}', "-Infinity is not a number JSON allows"),
    ('{"template": ' + "9" * 5000 + "}", "integers must be within ±9223372036854775807"),
    ("[" * 1000 + "]" * 1000, f"nested deeper than the limit of {MAX_JSON_DEPTH} levels"),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), f"limit of {MAX_JSON_DEPTH} levels"),
]


def test_json_numbers_and_nesting_beyond_the_limits_are_a_400_naming_them(api):
    for body, named in JSON_BEYOND_LIMITS:  # one test: each case costs a request, not a database setup
        response = api.post("/api/v1/renders", body, content_type="application/json")
        assert response.status_code == 400, (body[:40], response.content[:300])
        error = response.json()["error"]
        assert error["type"] == "validation_error" and named in error["message"], (body[:40], error)


def test_json_nested_to_the_limit_is_still_read(api, merchant):
    deep = {"template": "x", "metadata": {"a": json.loads("[" * (MAX_JSON_DEPTH - 2) + "]" * (MAX_JSON_DEPTH - 2))}}
    response = api.post("/api/v1/renders", deep, format="json")
    assert response.status_code == 400 and "nested" not in response.json()["error"]["message"]


def test_a_body_over_the_upload_limit_is_the_json_error_naming_it(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = api.post("/api/v1/renders", {"template": "x", "sku": "a" * 3000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == {
        "type": "payload_too_large",
        "message": "The request body is larger than the limit of 2,000 bytes; send less, or upload large content "
        "as a file (multipart).",
    }
    response = api.post("/api/v1/presenters", {"name": "x" * 3000}, format="multipart")
    assert response.status_code == 413 and "2,000 bytes" in response.json()["error"]["message"]


def test_too_many_form_fields_is_the_json_error_naming_the_limit(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = api.post("/api/v1/presenters", {f"f{n}": "x" for n in range(10)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Send at most 5 form fields per request."


# --- Templates, renders, live rooms: lengths, counts and sizes ---------------------------------------------------


def _scene(**fields):
    return {"type": "product_shots", "duration": 2, **fields}


TEMPLATE_BEYOND_LIMITS = [
    ({"scenes": [_scene(duration=180, max_shots=20)] * 100}, "has 100 scenes; keep it to 20"),  # 100 hours
    ({"scenes": [_scene(duration=180, max_shots=20)]}, "would last up to 3600 s"),
    ({"scenes": [_scene(duration=100, max_shots=3), _scene(duration=10)]}, "keep it to 300 s"),
    ({"scenes": [_scene(duration=181)]}, "at most 180"),
    ({"scenes": [_scene(duration=1e300)]}, "at most 180"),
    ({"scenes": [_scene(max_shots=10**18)]}, "max_shots must be a whole number from 1 to 20"),
    ({"scenes": [_scene(cameras=["orbit"] * 21)]}, "cameras has 21 entries; keep it to 20"),
    ({"scenes": [_scene(caption="x" * 501)]}, "under 500"),
    ({"scenes": [_scene()], "options": {"size": 10**16}}, "from -1,000,000,000,000,000 to 1,000,000,000,000,000"),
    ({"scenes": [_scene()], "voiceover": {"script": "Hi", "speed": 50}}, "speed must be a number from 0.5 to 2.0"),
    ({"scenes": [_scene()], "voiceover": {"script": "Hi", "voice": "v" * 65}}, "keep it to 64"),
    (
        {"scenes": [{"type": "presenter", "duration": 3, "script": {f"l{n:02d}": "Hi" for n in range(21)}}]},
        "script has 21 languages; keep it to 20",
    ),
]


def test_template_limits_are_a_400_naming_them(api):
    for spec, named in TEMPLATE_BEYOND_LIMITS:
        response = api.post("/api/v1/templates", {"slug": "long", "name": "Long", "spec": spec}, format="json")
        assert response.status_code == 400, (named, response.content[:300])
        assert named in response.json()["error"]["message"], (named, response.json()["error"]["message"])


def test_a_template_description_is_bounded(api):
    body = {"slug": "wordy", "name": "Wordy", "description": "d" * 2001, "spec": {"scenes": [_scene()]}}
    response = api.post("/api/v1/templates", body, format="json")
    assert response.status_code == 400 and "no more than 2000 characters" in response.json()["error"]["message"]


def _own_template(merchant):
    from generation.models import VideoTemplate

    return VideoTemplate.objects.create(merchant=merchant, slug="mine", name="Mine", spec={"scenes": [_scene()]})


def test_a_template_spec_over_the_size_limit_is_refused_in_the_api_and_the_dashboard(api, merchant):
    from django.urls import reverse

    from tests.dashboard.conftest import client_for

    spec = {"scenes": [_scene()], "options": {f"o{n}": "x" * 500 for n in range(200)}}
    response = api.post("/api/v1/templates", {"slug": "big", "name": "Big", "spec": spec}, format="json")
    assert response.status_code == 400 and "keep it to 65536" in response.json()["error"]["message"]
    page = client_for(merchant).post(
        reverse("dashboard:template_json", args=[_own_template(merchant).slug]),
        {"name": "Big", "spec": json.dumps(spec)},
    )
    assert page.status_code == 400 and "keep it to 65,536" in page.content.decode()


def test_the_dashboard_template_editor_names_the_json_limits(merchant):
    from django.urls import reverse

    from tests.dashboard.conftest import client_for

    client, url = client_for(merchant), reverse("dashboard:template_json", args=[_own_template(merchant).slug])
    for typed, named in [
        ("[" * 1000 + "]" * 1000, f"nested deeper than the limit of {MAX_JSON_DEPTH} levels"),
        ('{"scenes": [{"type": "product_shots", "duration": NaN}]}', "NaN is not a number JSON allows"),
        ('{"scenes": [{"type": "product_shots", "duration": 1e400}]}', "numbers must be finite"),
    ]:
        page = client.post(url, {"name": "T", "spec": typed})
        assert page.status_code == 400 and named in page.content.decode(), (typed[:40], page.status_code)


def test_a_live_rooms_name_is_bounded(merchant, product_with_photos, builtin_templates, sent_tasks):
    from django.core.exceptions import ValidationError as ServiceRefusal

    from shop_video.live.services import live_room_create

    with pytest.raises(ServiceRefusal, match="The room's name is 201 characters; keep it to 200."):
        live_room_create(merchant=merchant, name="n" * 201, skus=["MUG-1"])


# --- A number stored before the limits: the product can still be read, listed, fixed and deleted ----------------


def test_a_price_stored_out_of_range_does_not_break_its_product(api, merchant, product_with_photos):
    from django.db import connection
    from django.urls import reverse

    from catalog.models import Variant
    from tests.dashboard.conftest import client_for

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL refuses to store it in the first place (numeric(14, 4))")
    Variant.objects.filter(sku="MUG-1").update(price=Decimal("12345678901.00"))  # SQLite does not enforce digits
    assert api.get("/api/v1/products/MUG-1").json()["variants"][0]["price"] == "12345678901.00"
    assert api.get("/api/v1/products").status_code == 200
    page = client_for(merchant).get(reverse("dashboard:product_detail", args=[product_with_photos.pk]))
    assert page.status_code == 200
    assert api.delete("/api/v1/products/MUG-1").json()["status"] == "archived"
    variant = Variant.objects.get(sku="MUG-1")
    variant.price = Decimal("5.00")
    variant.save()
    assert api.get("/api/v1/products/MUG-1").json()["variants"][0]["price"] == "5.00"


def test_ids_past_a_bigint_in_dashboard_paths_are_404s(merchant):
    from django.urls import reverse

    from tests.dashboard.conftest import client_for

    client = client_for(merchant)
    for name, kwargs in [
        ("dashboard:product_detail", {"product_id": 10**30}),
        ("dashboard:import_detail", {"import_id": 10**30}),
        ("dashboard:job_detail", {"job_id": 10**30}),
        ("dashboard:rendition_download", {"rendition_id": 10**30}),
        ("dashboard:webhook_endpoint", {"endpoint_id": 10**30}),
        ("live:live_room", {"room_id": 10**30}),
    ]:
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
    for name, kwargs in [
        ("dashboard:product_photo_delete", {"image_id": 10**30}),
        ("live:live_room_active", {"room_id": 10**30}),
        ("live:live_room_item_move", {"item_id": 10**30}),
    ]:
        assert client.post(reverse(name, kwargs=kwargs), {"direction": "later", "active": "0"}).status_code == 404, name
