from django import template
from django.urls import reverse
from django.utils.html import format_html

from shop_video.dashboard.checklist import first_run_checklist_get

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, sections: str = ""):
    """A main-navigation link, marked aria-current="page" when the current view is one of `sections`
    (space-separated URL names; the link's own by default)."""
    request = context["request"]
    current = request.resolver_match.url_name if request.resolver_match else ""
    names = (sections or url_name.split(":")[-1]).split()
    if current in names:
        return format_html('<a href="{}" aria-current="page">{}</a>', reverse(url_name), label)
    return format_html('<a href="{}">{}</a>', reverse(url_name), label)


@register.filter
def money(value, currency: str = "") -> str:
    """A price as the shop wrote it, without the database's trailing zeros: 24.0000 USD -> 24.00 USD."""
    if value is None:
        return ""
    text = f"{value:.2f}" if value == value.quantize(value.__class__("0.01")) else f"{value.normalize():f}"
    return f"{text} {currency}".strip()


@register.inclusion_tag("dashboard/_first_run_checklist.html", takes_context=True)
def first_run_checklist(context):
    """The first-run checklist (shop_video/dashboard/checklist.py) for members who can act on it, until every step
    is done."""
    request = context["request"]
    merchant = getattr(request, "merchant", None)
    if merchant is None or not getattr(request, "can_edit", False):
        return {"steps": []}
    steps = first_run_checklist_get(merchant=merchant)
    if all(step.done for step in steps):
        return {"steps": []}
    return {"steps": steps, "done_count": sum(step.done for step in steps)}
