"""Scene prompts: the Django-template sandbox (generation/prompts.py), money filters, the preview API and admin
action, and the render-time token limit."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from generation.models import VideoTemplate
from generation.prompts import price_format, prompt_context, prompt_render, prompt_template_check
from tests import factories


def context(**overrides):
    data = {
        "product": {
            "title": "Ceramic Mug",
            "brand": "Acme",
            "description": "Glazed. Dishwasher safe.",
            "product_type": "Mug",
            "options": [{"name": "Size", "values": ["S", "M"]}, {"name": "Colour", "values": ["Blue"]}],
        },
        "variant": {
            "sku": "MUG-1",
            "title": "M / Blue",
            "price": Decimal("24.00"),
            "compare_at_price": Decimal("30.00"),
            "currency": "USD",
            "options": [{"name": "Size", "value": "M"}, {"name": "Colour", "value": "Blue"}],
        },
        "brand": {
            "name": "Acme",
            "primary_colour": "#111111",
            "secondary_colour": "#ffffff",
            "accent_colour": "#e4572e",
        },
        "options": {"locale": "en"},
    }
    for key, value in overrides.items():
        data[key] = {**data[key], **value}
    return data


def refused(source, **kwargs) -> str:
    with pytest.raises(ValidationError) as error:
        prompt_template_check(source, field="scene 2 (product_shots): prompt", **kwargs)
    return " ".join(error.value.messages)


# --- The sandbox ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("{{ product.merchant }}", "'product.merchant'"),
        ("{{ product.merchant.users }}", "'product.merchant.users'"),
        ("{{ variant.product }}", "'variant.product'"),
        ("{{ variant.product.merchant.api_keys }}", "'variant.product.merchant.api_keys'"),
        ("{{ product.title.upper }}", "'product.title.upper'"),
        ("{{ product.items }}", "'product.items'"),
        ("{{ variant.price.as_integer_ratio }}", "'variant.price.as_integer_ratio'"),
        ("{% if variant.product.merchant %}x{% endif %}", "'variant.product.merchant'"),
        ("{{ product.title|default:variant.product }}", "'variant.product'"),
        ("{% for user in product.merchant.users %}{{ user }}{% endfor %}", "'product.merchant.users'"),
        ("{% with m=product.merchant %}{{ m }}{% endwith %}", "'product.merchant'"),
        ("{% for o in variant.options %}{{ o.name.upper }}{% endfor %}", "'o.name.upper'"),
        ("{{ forloop.counter }}", "'forloop.counter'"),
        ("{{ settings.SECRET_KEY }}", "'settings.SECRET_KEY'"),
    ],
)
def test_attribute_walks_are_refused_naming_the_variable_and_listing_the_fields(source, name):
    message = refused(source)
    assert message.startswith(f"scene 2 (product_shots): prompt uses {name}, which prompts cannot read")
    assert "the fields are: product.title, product.brand" in message and "variant.price" in message


@pytest.mark.parametrize(
    "source", ["{{ product.__class__ }}", "{{ variant.price.__class__.__mro__ }}", "{{ product._meta }}"]
)
def test_underscore_walks_are_refused_naming_the_variable(source):
    message = refused(source)
    assert "prompt is not a valid template: Variables and attributes may not begin with underscores" in message
    assert source.strip("{} ") in message and "the fields are: product.title" in message


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% load static %}{% static 'x' %}", "load"),
        ('{% include "base.html" %}', "include"),
        ('{% extends "admin/base.html" %}', "extends"),
        ("{% ssi '/etc/passwd' %}", "ssi"),
        ("{% url 'admin:index' %}", "url"),
        ("{% debug %}", "debug"),
        ("{% csrf_token %}", "csrf_token"),
        ("{% now 'Y' %}", "now"),
        ("{% templatetag openblock %}", "templatetag"),
        ("{% cycle 'a' 'b' %}", "cycle"),
        ("{% lorem %}", "lorem"),
        ("{% widthratio 1 2 3 %}", "widthratio"),
    ],
)
def test_tags_that_reach_files_the_database_or_settings_are_refused_naming_the_tag(source, tag):
    assert refused(source).startswith(
        f"scene 2 (product_shots): prompt uses the tag {{% {tag} %}}, which "
        "prompts cannot use; the tags are if/elif/else/endif"
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% if product.title %}unclosed", "prompt is not a valid template: Unclosed tag on line 1: 'if'"),
        ("{{ product.title|date:'Y' }}", "prompt is not a valid template: Invalid filter: 'date'"),
        ("{{ product.title|safe }}", "Invalid filter: 'safe'"),
        ("{{ }}", "prompt is not a valid template: Empty variable tag"),
        (
            "{% for x in product.title %}{% endfor %}",
            "{% for %} goes over a list (product.benefits, product.options, variant.options)",
        ),
        ("{{ product }}", "{{ product }} is a group of fields, not text"),
        ("{{ product.price }}", "prompt uses 'product.price', which prompts cannot read (product has no 'price')"),
        (
            "{title} on a table",
            "prompt uses {title}, the old placeholder syntax; prompts are Django templates now: "
            "write {{ product.title }}",
        ),
        ("x" * 2001, "prompt is 2001 characters; keep it under 2000."),
        (42, "prompt must be text, got 42."),
    ],
)
def test_invalid_templates_are_refused_naming_the_field(source, message):
    text = refused(source)
    assert text.startswith("scene 2 (product_shots): prompt") and message in text


def test_template_options_are_the_only_extra_names():
    refused_text = refused("{{ options.mood }}")
    assert "options has no 'mood'" in refused_text and "options.locale" in refused_text
    prompt_template_check("{{ options.mood }}", field="prompt", options={"mood": "cosy"})


# --- Rendering -----------------------------------------------------------------------------------------------


def test_rendering_fills_fields_loops_over_options_and_collapses_whitespace():
    source = """{{ product.title|upper }} by {{ brand.name }},
        {% for option in variant.options %}{{ option.name|lower }} {{ option.value }}{% if not forloop.last %},
        {% endif %}{% endfor %}; sizes {% for option in product.options %}{% if option.name == "Size" %}
        {{ option.values|join:" or " }}{% endif %}{% endfor %}
        {% if variant.compare_at_price %}now {{ variant.price|price }} ({{ variant|discount }}){% endif %}"""
    assert prompt_render(source, context()) == (
        "CERAMIC MUG by Acme, size M, colour Blue; sizes S or M now $24.00 (-20%)"
    )


def test_nothing_is_escaped_and_an_unresolved_name_is_an_error_not_a_blank():
    assert prompt_render("{{ product.title }}", context(product={"title": "Tom & Jerry's <mug>"})) == (
        "Tom & Jerry's <mug>"
    )
    broken = context()
    del broken["product"]["brand"]
    with pytest.raises(ValidationError, match="prompt uses 'product.brand', which has no value for this product"):
        prompt_render("{{ product.brand }}", broken)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("24", "USD", "en", "$24.00"),
        ("1234.5", "USD", "en", "$1,234.50"),
        ("24", "EUR", "en", "€24.00"),
        ("24", "EUR", "de", "24,00 €"),
        ("1234.5", "EUR", "de", "1.234,50 €"),
        ("1234.5", "EUR", "fr", "1 234,50 €"),
        ("24", "GBP", "en", "£24.00"),
        ("2400", "JPY", "en", "¥2,400"),
        ("2399.6", "JPY", "en", "¥2,400"),
        ("24", "CNY", "en", "CN¥24.00"),
        ("24", "CNY", "zh", "¥24.00"),
        ("24", "USD", "fr", "24,00 $US"),
        ("0.005", "USD", "en", "$0.01"),
        ("24", "XYZ", "en", "24.00 XYZ"),
        (None, "USD", "en", ""),
    ],
)
def test_price_format_per_currency_and_locale(amount, currency, locale, expected):
    assert price_format(None if amount is None else Decimal(amount), currency, locale) == expected


def test_the_price_filter_uses_the_variants_currency_and_the_templates_locale():
    eur = context(variant={"currency": "EUR"}, options={"locale": "de"})
    assert prompt_render("{{ variant.price|price }} statt {{ variant.compare_at_price|price }}", eur) == (
        "24,00 € statt 30,00 €"
    )
    assert prompt_render('{{ variant.price|price:"GBP" }}', context()) == "£24.00"
    assert (
        prompt_render("{{ variant.price|price }}", context(variant={"price": Decimal("2400"), "currency": "JPY"}))
        == "¥2,400"
    )


@pytest.mark.parametrize(
    ("price", "before", "expected"),
    [("24", "30", "-20%"), ("19.99", "29.99", "-33%"), ("24", None, ""), ("30", "24", ""), ("24", "24", "")],
)
def test_discount(price, before, expected):
    variant = {"price": Decimal(price), "compare_at_price": Decimal(before) if before else None}
    assert prompt_render("{{ variant|discount }}", context(variant=variant)) == expected


@pytest.mark.django_db
def test_prompt_context_is_plain_data_with_merge_fields_over_the_product(merchant):
    product = factories.product_make(merchant=merchant, sku="MUG-1", photos=0, currency="EUR", price="24.5")
    product.description = "Glazed stoneware. " * 30
    product.save()
    variant = product.variants.get()
    variant.options = {"Size": "M"}
    variant.compare_at_price = Decimal("30")
    variant.save()
    data = prompt_context(
        product=product,
        variant=variant,
        merchant=merchant,
        options={"locale": "fr"},
        merge_fields={"title": "Summer Mug"},
    )
    assert data["product"]["title"] == "Summer Mug" and len(data["product"]["description"]) <= 200
    assert data["product"]["options"] == [{"name": "Size", "values": ["M"]}]
    assert data["variant"]["price"] == Decimal("24.50") and data["variant"]["options"] == [
        {"name": "Size", "value": "M"}
    ]
    assert data["brand"]["name"] == merchant.name and data["options"] == {"locale": "fr"}

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, (str, Decimal, int, float, bool))

    assert plain(data)
    assert prompt_render("{{ product.title }}, {{ variant.price|price }}", data) == "Summer Mug, 24,50 €"


# --- The token limit at render time ---------------------------------------------------------------------------


def test_a_prompt_over_the_models_token_limit_is_refused_with_the_count_not_cut():
    from generation.engines.base import EngineError
    from generation.engines.dit.engine import _prompt_length_check

    def tokenizer(text, add_special_tokens=True):
        return {"input_ids": list(range(len(text.split()) + (1 if add_special_tokens else 0)))}

    model = SimpleNamespace(
        base=SimpleNamespace(tokenizer=tokenizer), max_sequence_length=8, family=SimpleNamespace(name="ltx")
    )
    _prompt_length_check(model, "one two three four five six seven")  # 8 tokens: fits
    with pytest.raises(EngineError) as error:
        _prompt_length_check(model, "one two three four five six seven eight nine")
    assert str(error.value) == (
        "the prompt is 10 tokens (camera phrase included) and the ltx model reads at most 8; "
        "shorten the scene's prompt in the template"
    )


# --- Preview: API and admin -----------------------------------------------------------------------------------


@pytest.fixture
def showcase(merchant, product_with_photos, builtin_templates):
    product_with_photos.brand = "Acme"
    product_with_photos.save()
    return VideoTemplate.objects.create(
        merchant=merchant,
        slug="sale",
        name="Sale",
        spec={
            "options": {"locale": "de", "mood": "cosy"},
            "scenes": [
                {"type": "title", "duration": 1},
                {
                    "type": "product_shots",
                    "duration": 2,
                    "prompt": "{{ product.title }} by {{ product.brand }}, {{ variant.price|price }}, "
                    "{{ options.mood }} light",
                    "negative_prompt": "blurry, {{ brand.name|lower }} watermark",
                },
            ],
        },
    )


@pytest.mark.django_db
def test_the_preview_api_renders_each_scenes_prompts(api, showcase):
    response = api.get("/api/v1/templates/sale/prompts", {"sku": "MUG-1"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "sku": "MUG-1",
        "scenes": [
            {
                "scene": 2,
                "prompt": "Ceramic Mug by Acme, 24,00 $, cosy light",
                "negative_prompt": "blurry, acme watermark",
            }
        ],
    }
    builtin = api.get("/api/v1/templates/product-showcase/prompts?sku=MUG-1").json()
    assert builtin["scenes"][0]["prompt"].startswith("Ceramic Mug, premium product video")


@pytest.mark.django_db
def test_the_preview_api_is_404_for_another_merchants_sku_or_template(api, other_api, other_merchant, showcase):
    factories.product_make(merchant=other_merchant, sku="THEIRS-1", photos=0)
    assert api.get("/api/v1/templates/sale/prompts?sku=THEIRS-1").status_code == 404
    assert api.get("/api/v1/templates/nope/prompts?sku=MUG-1").status_code == 404
    response = other_api.get("/api/v1/templates/sale/prompts?sku=MUG-1")
    assert response.status_code == 404 and response.json()["error"]["type"] == "not_found"
    assert api.get("/api/v1/templates/sale/prompts").status_code == 400  # no sku


@pytest.mark.django_db
def test_the_preview_api_refuses_an_invalid_template_naming_scene_and_field(api, merchant, showcase):
    VideoTemplate.objects.filter(pk=showcase.pk).update(
        spec={"scenes": [{"type": "product_shots", "duration": 2, "negative_prompt": "{{ variant.product.merchant }}"}]}
    )
    response = api.get("/api/v1/templates/sale/prompts?sku=MUG-1")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "Template 'sale' is invalid: scene 1 (product_shots): negative_prompt uses 'variant.product.merchant'" in (
        message
    )


@pytest.mark.django_db
def test_a_render_with_an_old_style_template_is_refused_naming_scene_and_field(
    merchant, product_with_photos, sent_tasks
):
    from generation.services.render_jobs import render_job_create

    VideoTemplate.objects.create(
        merchant=merchant,
        slug="old",
        name="Old",
        spec={
            "scenes": [
                {"type": "title", "duration": 1},
                {"type": "product_shots", "duration": 2, "prompt": "{title} on a table"},
            ]
        },
    )
    with pytest.raises(ValidationError) as error:
        render_job_create(merchant=merchant, template_slug="old", sku="MUG-1")
    assert error.value.messages[0].startswith(
        "Template 'old' is invalid: scene 2 (product_shots): prompt uses {title}, the old placeholder syntax"
    )
    assert "write {{ product.title }}" in error.value.messages[0]


@pytest.mark.django_db
def test_the_admin_action_previews_prompts_for_a_product(client, merchant, showcase):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password-1"))
    url = reverse("admin:generation_videotemplate_changelist")
    chosen = {"action": "preview_prompts", "_selected_action": [showcase.pk]}
    page = client.post(url, chosen)
    assert page.status_code == 200
    assert 'value="MUG-1"' in page.content.decode()  # the template's merchant's first SKU, ready to preview
    page = client.post(url, {**chosen, "preview": "Preview", "merchant": merchant.pk, "sku": "MUG-1"})
    assert page.status_code == 200
    assert "Ceramic Mug by Acme, 24,00 $, cosy light" in page.content.decode()
    page = client.post(url, {**chosen, "preview": "Preview", "merchant": merchant.pk, "sku": "NOPE"})
    assert "no product with SKU &#x27;NOPE&#x27;" in page.content.decode()
