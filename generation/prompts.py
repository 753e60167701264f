"""Scene prompts as Django templates, rendered in a sandbox.

    "{{ product.title }} by {{ brand.name }}{% if variant.compare_at_price %}, now {{ variant|discount }}{% endif %},
     {{ variant.price|price }}, {% for option in variant.options %}{{ option.name|lower }} {{ option.value }}
     {% endfor %}"

The sandbox is its own `django.template.Engine`, not the project's TEMPLATES one:
- no loaders (templates come from strings only) and no libraries, so `{% load %}`, `{% include %}`,
  `{% extends %}`, `{% ssi %}`, `{% url %}`, `{% csrf_token %}`, `{% debug %}`, `{% now %}`, `{% cycle %}`,
  `{% templatetag %}` ... do not exist; `prompt_template_check` refuses them by name before compiling.
- tags: `if` / `elif` / `else` / `endif`, `for` / `empty` / `endfor` (over the lists below), `with` / `endwith`.
- filters: SAFE_FILTERS below, plus `price` (a Decimal as money: `{{ variant.price|price }}` -> "$24.00",
  "24,00 €" with options.locale "de"; `|price:"EUR"` names the currency) and `discount`
  (`{{ variant|discount }}` -> "-20%" from compare_at_price, "" when there is none).
- the context is plain data (dicts, lists, str, Decimal) from `prompt_context`: no model instance ever reaches a
  template, and every variable is checked against the allow-list CONTEXT_FIELDS before anything renders, so
  `{{ product.merchant }}`, `{{ variant.product }}` or `{{ product.title.upper }}` are refused by name.
- `string_if_invalid` is a marker: a name that slipped past the check fails the render instead of going blank.
- autoescape is off (a prompt is plain text for a model, not HTML); whitespace collapses to one line.
"""

from __future__ import annotations

import contextvars
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Lexer, TokenType, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral, WithNode

from generation.feature_bullets import description_bullets

MAX_PROMPT_CHARS = 2000
MERGE_FIELDS = ("title", "brand", "description", "product_type")  # the product fields an API request may override
ALLOWED_TAGS = ("if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith")
SAFE_FILTERS = (
    "upper",
    "lower",
    "title",
    "capfirst",
    "truncatewords",
    "truncatechars",
    "default",
    "default_if_none",
    "join",
    "first",
    "last",
    "length",
    "cut",
    "floatformat",
)
DEFAULT_LOCALE = "en"
_INVALID = "\x00invalid:%s\x00"

# The shape of the context: a dict is a group of named fields, a one-item list is a list of that shape, None a
# plain value. "options" (the template's options) is filled per template with its own keys.
CONTEXT_FIELDS: dict[str, Any] = {
    "product": {
        "title": None,
        "brand": None,
        "description": None,
        "product_type": None,
        "url": None,
        "benefits": [None],
        "options": [{"name": None, "values": [None]}],
    },
    "variant": {
        "sku": None,
        "title": None,
        "price": None,
        "compare_at_price": None,
        "currency": None,
        "options": [{"name": None, "value": None}],
    },
    "brand": {"name": None, "primary_colour": None, "secondary_colour": None, "accent_colour": None},
}
_FORLOOP = {"counter": None, "counter0": None, "revcounter": None, "revcounter0": None, "first": None, "last": None}

# --- Money -------------------------------------------------------------------------------------------------
# (symbol, decimals); a locale may name a currency differently (CLDR: "CN¥" outside Chinese, "$US" in French).
CURRENCIES = {
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "GBP": ("£", 2),
    "JPY": ("¥", 0),
    "CNY": ("CN¥", 2),
    "CAD": ("CA$", 2),
    "AUD": ("A$", 2),
    "CHF": ("CHF", 2),
    "SEK": ("SEK", 2),
    "INR": ("₹", 2),
}
# (decimal separator, grouping separator, symbol before the number?). Spaces are plain spaces: CLDR's
# no-break spaces mean nothing to a text encoder.
LOCALES = {
    "en": (".", ",", True),
    "de": (",", ".", False),
    "fr": (",", " ", False),
    "es": (",", ".", False),
    "it": (",", ".", False),
    "nl": (",", ".", True),
    "ja": (".", ",", True),
    "zh": (".", ",", True),
}
_SYMBOL_OVERRIDES = {
    ("fr", "USD"): "$US",
    ("fr", "GBP"): "£GB",
    ("zh", "CNY"): "¥",
    ("ja", "JPY"): "￥",
    ("ja", "CNY"): "元",
    ("zh", "JPY"): "JP¥",
}

_money = contextvars.ContextVar("prompt_money", default=("USD", DEFAULT_LOCALE))


def locale_clean(value: Any) -> str:
    """ "de", "de-DE", "de_AT" -> "de"; refuses a language the price filter cannot format."""
    language = str(value).replace("_", "-").split("-")[0].lower()
    if language not in LOCALES:
        raise ValidationError(f"locale {value!r} is not supported; use one of {', '.join(LOCALES)}.")
    return language


def price_format(amount: Any, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """24 USD en -> "$24.00"; 24 EUR de -> "24,00 €"; 2400 JPY -> "¥2,400"; unknown currency -> "24.00 XYZ"."""
    if amount is None or amount == "":
        return ""
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    currency = (currency or "").upper()
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    symbol, decimals = CURRENCIES.get(currency, (currency, 2))
    symbol = _SYMBOL_OVERRIDES.get((locale, currency), symbol)
    decimal_sep, group_sep, prefix = LOCALES[locale]
    quantized = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    whole, _, fraction = f"{abs(quantized):f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    number = group_sep.join([whole, *groups]) + (decimal_sep + fraction if decimals else "")
    if currency not in CURRENCIES:
        return f"{sign}{number} {symbol}".strip()
    return f"{sign}{symbol}{number}" if prefix else f"{sign}{number} {symbol}"


def _price_filter(value: Any, currency: str = "") -> str:
    default_currency, locale = _money.get()
    return price_format(value, currency or default_currency, locale)


def discount_label(variant: Any) -> str:
    """-20% when compare_at_price is above price, else ""."""
    if not isinstance(variant, dict):
        return ""
    try:
        price, before = Decimal(str(variant.get("price"))), Decimal(str(variant.get("compare_at_price")))
    except (InvalidOperation, TypeError):
        return ""
    if not before or before <= price:
        return ""
    percent = ((before - price) / before * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"-{percent}%"


# --- The sandbox engine ------------------------------------------------------------------------------------

_library = Library()
_library.tag("if", defaulttags.do_if)
_library.tag("for", defaulttags.do_for)
_library.tag("with", defaulttags.do_with)
for _name in SAFE_FILTERS:
    _library.filter(_name, getattr(defaultfilters, _name))
_library.filter("price", _price_filter)
_library.filter("discount", discount_label)


class _SandboxEngine(Engine):
    default_builtins: list[str] = []  # not Django's defaulttags/defaultfilters/loader_tags: only _library


_engine = _SandboxEngine(
    dirs=[],
    app_dirs=False,
    loaders=[],
    libraries={},
    debug=False,
    autoescape=False,
    string_if_invalid=_INVALID,
    context_processors=[],
)
_engine.template_builtins = [_library]


@lru_cache(maxsize=256)
def _compile(source: str):
    return _engine.from_string(source)


# --- Checking ----------------------------------------------------------------------------------------------

_OLD_PLACEHOLDER = re.compile(r"(?<!\{)\{\s*([A-Za-z_][\w.\[\]]*)\s*\}(?!\})")


def prompt_template_check(source: Any, *, field: str, options: dict | None = None) -> None:
    """Refuse a prompt template that is not text, too long, in the old `{title}` syntax, uses a tag other than
    ALLOWED_TAGS, does not compile, or names a variable outside the allow-list. Messages start with `field`
    (e.g. "scene 2 (product_shots): prompt") and say what to change."""
    if not isinstance(source, str):
        raise ValidationError(f"{field} must be text, got {source!r}.")
    if len(source) > MAX_PROMPT_CHARS:
        raise ValidationError(f"{field} is {len(source)} characters; keep it under {MAX_PROMPT_CHARS}.")
    old = _OLD_PLACEHOLDER.search(_without_tags(source))
    if old:
        name = old.group(1)
        new = f"product.{name}" if name in MERGE_FIELDS else name
        raise ValidationError(
            f"{field} uses {{{name}}}, the old placeholder syntax; prompts are Django templates "
            f"now: write {{{{ {new} }}}} (fields: {', '.join(_allowed_names(options))})."
        )
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            tag = (token.split_contents() or [""])[0]
            if tag not in ALLOWED_TAGS:
                raise ValidationError(
                    f"{field} uses the tag {{% {tag} %}}, which prompts cannot use; the tags are "
                    "if/elif/else/endif, for/empty/endfor and with/endwith."
                )
    try:
        template = _compile(source)
    except TemplateSyntaxError as exc:
        hint = f"; the fields are: {', '.join(_allowed_names(options))}" if "underscores" in str(exc) else ""
        raise ValidationError(f"{field} is not a valid template: {exc}{hint}") from None
    _nodes_check(template.nodelist, scope=_scope(options), field=field, options=options)


def _without_tags(source: str) -> str:
    """The text outside {{ }}, {% %} and {# #}, where a single-brace placeholder would be literal text."""
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)


def _scope(options: dict | None) -> dict[str, Any]:
    return {**CONTEXT_FIELDS, "options": {name: None for name in _options_with_defaults(options)}}


def _options_with_defaults(options: dict | None) -> dict:
    return {"locale": DEFAULT_LOCALE, **(options or {})}


def _allowed_names(options: dict | None) -> list[str]:
    names = []

    def walk(prefix: str, shape: Any) -> None:
        if isinstance(shape, dict):
            for key, sub in shape.items():
                walk(f"{prefix}.{key}" if prefix else key, sub)
        else:
            names.append(prefix)

    walk("", _scope(options))
    return names


def _nodes_check(nodelist, *, scope: dict, field: str, options: dict | None) -> None:
    for node in nodelist:
        if isinstance(node, VariableNode):
            _expression_check(node.filter_expression, scope=scope, field=field, options=options, output=True)
        elif isinstance(node, IfNode):
            for condition, body in node.conditions_nodelists:
                if condition is not None:
                    _condition_check(condition, scope=scope, field=field, options=options)
                _nodes_check(body, scope=scope, field=field, options=options)
        elif isinstance(node, ForNode):
            shape = _expression_check(node.sequence, scope=scope, field=field, options=options)
            if not (isinstance(shape, list) and shape):
                raise ValidationError(
                    f"{field}: {{% for %}} goes over a list ({', '.join(_lists(scope))}), not {node.sequence.token!r}."
                )
            item = shape[0]
            if len(node.loopvars) == 1:
                bound = {node.loopvars[0]: item}
            else:
                raise ValidationError(
                    f"{field}: {{% for %}} takes one loop variable, as in {{% for option in variant.options %}}."
                )
            inner = {**scope, **bound, "forloop": _FORLOOP}
            _nodes_check(node.nodelist_loop, scope=inner, field=field, options=options)
            _nodes_check(node.nodelist_empty, scope=scope, field=field, options=options)
        elif isinstance(node, WithNode):
            bound = {
                name: _expression_check(value, scope=scope, field=field, options=options)
                for name, value in node.extra_context.items()
            }
            _nodes_check(node.nodelist, scope={**scope, **bound}, field=field, options=options)
        else:
            for child in getattr(node, "child_nodelists", ()):
                _nodes_check(getattr(node, child, None) or [], scope=scope, field=field, options=options)


def _lists(scope: dict) -> list[str]:
    return [
        f"{group}.{name}"
        for group, shape in scope.items()
        if isinstance(shape, dict)
        for name, sub in shape.items()
        if isinstance(sub, list)
    ]


def _condition_check(condition, *, scope, field, options) -> None:
    if isinstance(condition, TemplateLiteral):
        _expression_check(condition.value, scope=scope, field=field, options=options)
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            _condition_check(part, scope=scope, field=field, options=options)


def _expression_check(expression: FilterExpression, *, scope, field, options, output: bool = False):
    shape = _variable_check(expression.var, scope=scope, field=field, options=options)
    for _, arguments in expression.filters:
        for is_variable, argument in arguments:
            if is_variable:
                _variable_check(argument, scope=scope, field=field, options=options)
    if output and isinstance(shape, (dict, list)) and not expression.filters:
        raise ValidationError(
            f"{field}: {{{{ {expression.token} }}}} is a group of fields, not text; use one "
            f"of {', '.join(_allowed_names(options))}."
        )
    return shape if not expression.filters else None


def _variable_check(var: Any, *, scope: dict, field: str, options: dict | None):
    if not isinstance(var, Variable) or var.lookups is None:
        return None  # a literal: "text", 3
    shape: Any = scope
    for depth, part in enumerate(var.lookups):
        if not isinstance(shape, dict) or part not in shape:
            where = ".".join(var.lookups[:depth]) or None
            allowed = ", ".join(_allowed_names(options))
            raise ValidationError(
                f"{field} uses {var.var!r}, which prompts cannot read"
                f"{f' ({where} has no {part!r})' if where else ''}; the fields are: {allowed}."
            )
        shape = shape[part]
    return shape


# --- Context and rendering ---------------------------------------------------------------------------------


def first_sentences(text: str, limit: int = 200) -> str:
    """A prompt wants the gist of a description, not all of it: whole sentences up to `limit` characters."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else cut.rsplit(" ", 1)[0]


def _money_value(amount: Decimal | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    decimals = CURRENCIES.get((currency or "").upper(), ("", 2))[1]
    return Decimal(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def prompt_context(
    *, product, variant, brand_kit=None, merchant=None, options: dict | None = None, merge_fields: dict | None = None
) -> dict:
    """The only data a prompt template sees: copies of the exposed fields, never a model instance.
    `merge_fields` (title, brand, description, product_type) override the product's."""
    option_values: dict[str, list[str]] = {}
    for sibling in product.variants.order_by("position", "id"):
        for name, value in (sibling.options or {}).items():
            values = option_values.setdefault(str(name), [])
            if str(value) not in values:
                values.append(str(value))
    product_data = {
        "title": product.title,
        "brand": product.brand,
        "description": first_sentences(product.description),
        "product_type": product.product_type,
        "url": product.url,
        "options": [{"name": name, "values": values} for name, values in option_values.items()],
    }
    product_data.update({name: value for name, value in (merge_fields or {}).items() if name in MERGE_FIELDS})
    # The description's selling points as short plain sentences (its list items, else its first sentences): what a
    # presenter's script says without reading HTML or a whole paragraph aloud.
    described = (merge_fields or {}).get("description") or product.description
    product_data["benefits"] = list(description_bullets(described, max_bullets=3))
    currency = variant.currency.upper()
    variant_data = {
        "sku": variant.sku,
        "title": variant.title,
        "currency": currency,
        "price": _money_value(variant.price, currency),
        "compare_at_price": _money_value(variant.compare_at_price, currency),
        "options": [{"name": str(name), "value": str(value)} for name, value in (variant.options or {}).items()],
    }
    merchant = merchant or product.merchant
    brand_data = {
        "name": merchant.name or merchant.slug,
        "primary_colour": getattr(brand_kit, "primary_colour", ""),
        "secondary_colour": getattr(brand_kit, "secondary_colour", ""),
        "accent_colour": getattr(brand_kit, "accent_colour", ""),
    }
    return {
        "product": product_data,
        "variant": variant_data,
        "brand": brand_data,
        "options": _options_with_defaults(options),
    }


def prompt_render(source: str, context: dict, *, field: str = "prompt") -> str:
    """Render a checked template with a prompt_context; whitespace collapsed to one line. A variable that
    did not resolve is an error naming it, never a silent blank."""
    options = context.get("options") or {}
    prompt_template_check(source, field=field, options=options)
    money = _money.set(
        ((context.get("variant") or {}).get("currency") or "USD", locale_clean(options.get("locale", DEFAULT_LOCALE)))
    )
    try:
        text = _compile(source).render(Context(context, autoescape=False))
    finally:
        _money.reset(money)
    invalid = re.search(r"\x00invalid:(.*?)\x00", text)
    if invalid:
        raise ValidationError(f"{field} uses {invalid.group(1)!r}, which has no value for this product.")
    return re.sub(r"\s+", " ", text).strip()
