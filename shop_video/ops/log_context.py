"""What every log line says about the work in hand: contextvars bound when a task starts (its id, the render job
or import it serves, the merchant) and, for a request, the request itself (read lazily: the merchant is known only
once the view has checked the credential, and a request that logs nothing pays one contextvar set)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

import structlog

logger = logging.getLogger(__name__)

current_request: contextvars.ContextVar = contextvars.ContextVar("shop_video_request", default=None)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_for(request) -> str:
    """The caller's X-Request-ID when it is a sane token (a proxy's id joins our lines to its own), else ours."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def add_context(_logger, _method, event: dict) -> dict:
    """structlog processor: the request's id and merchant, if a request is being handled."""
    request = current_request.get()
    if request is None:
        return event
    if not hasattr(request, "log_request_id"):
        request.log_request_id = request_id_for(request)
    event.setdefault("request_id", request.log_request_id)
    merchant = getattr(request, "merchant", None)  # the dashboard's member_view sets it
    if merchant is None:
        key = getattr(request, "auth", None)  # DRF copies an API key credential onto the request
        merchant = getattr(key, "merchant", None)
    if merchant is not None:
        event.setdefault("merchant", merchant.slug)
    return event


# Per task: how to find the render job / import and the merchant from the task's first argument.
def _shot(shot_id):
    from generation.models import Shot

    row = Shot.objects.filter(pk=shot_id).values_list("job_id", "job__merchant__slug").first()
    return {"job_id": row[0], "merchant": row[1]} if row else {}


def _job(job_id):
    from generation.models import RenderJob

    slug = RenderJob.objects.filter(pk=job_id).values_list("merchant__slug", flat=True).first()
    return {"job_id": job_id, "merchant": slug} if slug else {"job_id": job_id}


def _import(import_id):
    from catalog.models import CatalogImport

    slug = CatalogImport.objects.filter(pk=import_id).values_list("merchant__slug", flat=True).first()
    return {"import_id": import_id, "merchant": slug} if slug else {"import_id": import_id}


def _image(image_id):
    from catalog.models import ProductImage

    slug = ProductImage.objects.filter(pk=image_id).values_list("product__merchant__slug", flat=True).first()
    return {"image_id": image_id, "merchant": slug} if slug else {"image_id": image_id}


def _delivery(delivery_id):
    from shop_video.webhooks.models import WebhookDelivery

    slug = WebhookDelivery.objects.filter(pk=delivery_id).values_list("merchant__slug", flat=True).first()
    return {"delivery_id": delivery_id, "merchant": slug} if slug else {"delivery_id": delivery_id}


def _segment(segment_id):
    from shop_video.live.models import LiveSegment

    row = LiveSegment.objects.filter(pk=segment_id).values_list("render_job_id", "item__room__merchant__slug").first()
    return {"segment_id": segment_id, "job_id": row[0], "merchant": row[1]} if row else {"segment_id": segment_id}


TASK_SUBJECTS = {
    "generation.tasks.shot_render": _shot,
    "generation.tasks.render_job_assemble": _job,
    "catalog.tasks.catalog_import_process": _import,
    "catalog.tasks.product_image_fetch": _image,
    "shop_video.webhooks.tasks.webhook_deliver": _delivery,
    "shop_video.live.tasks.live_segment_cut": _segment,
}


def task_bind(*, task_id: str, task_name: str, args) -> None:
    """At task_prerun: this task's context replaces whatever the previous task in this process left."""
    structlog.contextvars.clear_contextvars()
    context = {"task_id": task_id, "task": task_name}
    subject = TASK_SUBJECTS.get(task_name)
    if subject is not None and args:
        try:
            context.update({key: value for key, value in subject(args[0]).items() if value is not None})
        except Exception as exc:  # a log context is never worth failing a task; the task reports its own errors
            logger.debug("no log context for %s%s: %s", task_name, tuple(args), exc)
    structlog.contextvars.bind_contextvars(**context)


def task_unbind() -> None:
    structlog.contextvars.clear_contextvars()
