"""REST API for templates and renders under /api/v1/ (docs/api.md). Views are thin: parse the input, call a
service or a merchant-scoped read, shape the JSON (render_job_payload: the same shape webhooks send).

    GET  /templates                       built-ins and the merchant's own
    POST /templates                       201, the merchant's own; Idempotency-Key
    GET  /templates/{slug}
    PATCH /templates/{slug}               the merchant's own only (a built-in: 400, copy it first)
    DELETE /templates/{slug}              204, the merchant's own only
    POST /templates/{slug}/copy           201, the merchant's own copy of the template they see; Idempotency-Key
    GET  /templates/{slug}/prompts?sku=   each scene's prompt rendered for one product (what the model reads)
    POST /renders                         202 {"renders": [...]} (one per SKU); Idempotency-Key
    GET  /renders                         newest first, cursor pages, ?status= ?sku=
    GET  /renders/{id}
    POST /renders/{id}/cancel             200, or 409 once finished
    GET  /products/{sku}/videos?aspect=   the storefront embed: latest succeeded videos; ETag, 304
"""

from __future__ import annotations

import hashlib

from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Variant
from catalog.selectors import SkuAmbiguous
from generation.api_serializers import (
    ProductVideosSerializer,
    RenderCreateSerializer,
    RenderCursorPagination,
    RenderListResponseSerializer,
    RenderSerializer,
    TemplateCopySerializer,
    TemplateCreateSerializer,
    TemplatePromptsSerializer,
    TemplateSerializer,
    TemplateUpdateSerializer,
)
from generation.aspect_ratios import ASPECT_RATIOS
from generation.models import JobStatus, VideoTemplate
from generation.selectors import (
    preset_previews,
    product_latest_renditions,
    render_job_get,
    render_jobs_filter,
    video_template_get,
    video_template_previews,
    video_templates_visible,
)
from generation.services.job_states import render_job_cancel
from generation.services.payloads import render_job_payload, rendition_payload, video_template_payload
from generation.services.render_jobs import render_jobs_create
from generation.services.scene_prompts import template_prompts_preview
from generation.services.video_templates import (
    video_template_copy,
    video_template_create,
    video_template_delete,
    video_template_update,
)
from generation.video_freshness import render_job_stale_reasons
from shop_video.api.exceptions import Conflict
from shop_video.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, idempotent
from shop_video.api.models import MerchantApiKey
from shop_video.api.parsers import JSONParser
from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import MAX_ID, IdsInRange
from shop_video.embed_fast_path import embed_offer_attach

# The embed answer is per API key (never `public`: shared caches must not serve one merchant's answer to a
# request they cannot authenticate); a minute of staleness is fine for a product video, and after that the
# browser or storefront server revalidates with If-None-Match for a body-less 304.
EMBED_CACHE_CONTROL = "private, max-age=60"


# --- Shapes ----------------------------------------------------------------------------------------------

_errors = api_error_responses


def _template_data(
    template: VideoTemplate, request=None, previews: dict | None = None, presets: dict | None = None
) -> dict:
    """`previews` (template id -> Rendition, from video_template_previews) gives preview_url; `presets` (from
    preset_previews) preset_preview_url."""
    return video_template_payload(
        template,
        preview=(previews or {}).get(template.pk),
        preset_preview=(presets or {}).get(template.pk),
        absolute_url=request.build_absolute_uri if request else None,
    )


# --- Views -----------------------------------------------------------------------------------------------


def _template_location(request, body: dict) -> dict:
    slug = (body or {}).get("slug")
    return {"Location": request.build_absolute_uri(reverse("api-template-detail", args=[slug]))} if slug else {}


_LOCATION_201 = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="URL of the new template."
)
_SPEC_400 = (
    "Nothing was saved: the message names the field, and for the spec the scene and field "
    '("spec: scene 3 (features): max_bullets must be a whole number from 1 to 5, got 9.").'
)


class TemplateListView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="templates_list",
        summary="List templates",
        tags=["templates"],
        responses={200: inline_serializer("TemplateList", {"results": TemplateSerializer(many=True)})},
        description="The built-in templates and your own; your own shadows a built-in of the same slug.",
    )
    def get(self, request):
        templates = video_templates_visible(merchant=request.merchant)
        previews, presets = video_template_previews(merchant=request.merchant), preset_previews()
        return Response({"results": [_template_data(template, request, previews, presets) for template in templates]})

    @extend_schema(
        operation_id="templates_create",
        summary="Create a template of your own",
        tags=["templates"],
        request=TemplateCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, _LOCATION_201],
        responses={
            201: TemplateSerializer,
            **_errors(
                400,
                409,
                422,
                e400=_SPEC_400 + " A slug you already have is refused.",
                e409="A request with this Idempotency-Key is still running; retry shortly.",
            ),
        },
        description="Usually simpler: copy a built-in (POST /templates/{slug}/copy) and PATCH the copy.",
    )
    @idempotent(replay_headers=_template_location)
    def post(self, request):
        given = TemplateCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        template = video_template_create(merchant=request.merchant, **given.validated_data)
        body = _template_data(template)
        return Response(body, status=status.HTTP_201_CREATED, headers=_template_location(request, body))


class TemplateDetailView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="templates_retrieve",
        summary="Get a template",
        tags=["templates"],
        responses={200: TemplateSerializer, **_errors(404)},
    )
    def get(self, request, slug: str):
        template = video_template_get(merchant=request.merchant, slug=slug)
        return Response(
            _template_data(template, request, video_template_previews(merchant=request.merchant), preset_previews())
        )

    @extend_schema(
        operation_id="templates_update",
        summary="Edit your template",
        tags=["templates"],
        request=TemplateUpdateSerializer,
        responses={
            200: TemplateSerializer,
            **_errors(400, 404, e400=_SPEC_400 + " A built-in answers 400 too: POST /templates/{slug}/copy first."),
        },
        description="Change your own template's name, description or spec (send only what changes). A new spec "
        "bumps `version`; renders already made keep the spec they were made with.",
    )
    def patch(self, request, slug: str):
        template = video_template_get(merchant=request.merchant, slug=slug)  # 404 before the body is read
        given = TemplateUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return Response(_template_data(video_template_update(template=template, **given.validated_data)))

    @extend_schema(
        operation_id="templates_destroy",
        summary="Delete your template",
        tags=["templates"],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted. A copy's built-in is what you see again."),
            **_errors(
                400,
                404,
                e400="A built-in, or a template of your own design that renders were made with (edit it instead).",
            ),
        },
        description="Your own templates only. Renders made with a copy of a built-in move to the built-in.",
    )
    def delete(self, request, slug: str):
        video_template_delete(template=video_template_get(merchant=request.merchant, slug=slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateCopyView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="templates_copy",
        summary="Copy a template into your own",
        tags=["templates"],
        request=TemplateCopySerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, _LOCATION_201],
        responses={
            201: OpenApiResponse(TemplateSerializer, description="Your copy, version 1."),
            **_errors(
                400,
                404,
                409,
                422,
                e400="You already have a template with the copy's slug: PATCH it, or send another slug.",
                e409="A request with this Idempotency-Key is still running; retry shortly.",
            ),
        },
        description="Copies the template you see under this slug (a built-in or your own) into a template of your "
        "own that you can PATCH. Under the same slug (the default) your copy replaces the built-in "
        "for you; DELETE it to get the built-in back.",
    )
    @idempotent(replay_headers=_template_location)
    def post(self, request, slug: str):
        source = video_template_get(merchant=request.merchant, slug=slug)  # 404 before the body is read
        given = TemplateCopySerializer(data=request.data or {})
        given.is_valid(raise_exception=True)
        copy = video_template_copy(
            template=source, merchant=request.merchant, slug=given.validated_data.get("slug"), replace=False
        )
        body = _template_data(copy)
        return Response(body, status=status.HTTP_201_CREATED, headers=_template_location(request, body))


class TemplatePromptsView(APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="templates_prompts",
        summary="Preview a template's prompts for a product",
        tags=["templates"],
        parameters=[
            OpenApiParameter(
                "sku", str, required=True, description="One of your variants' SKUs, or the product's handle or id."
            )
        ],
        responses={
            200: TemplatePromptsSerializer,
            **_errors(
                400,
                404,
                e400="sku is missing, or the template cannot render: the message names the scene and field.",
                e404="No such template, or no product with this SKU.",
            ),
        },
        description="Each product_shots scene's prompt and negative prompt as the video model would read them "
        "for this product (template options, price formatting and merge of product fields "
        "included; the camera phrase the engine adds is not). A prompt longer than the model reads "
        "is refused when the render runs, with its token count.",
    )
    def get(self, request, slug: str):
        video_template_get(merchant=request.merchant, slug=slug)  # 404 before anything else
        sku = (request.query_params.get("sku") or "").strip()
        if not sku:
            raise ValidationError({"sku": ["Send ?sku= with one of your products' SKUs."]})
        scenes = template_prompts_preview(merchant=request.merchant, template_slug=slug, sku=sku)
        return Response({"sku": sku, "scenes": scenes})


def _render_location(request, body: dict) -> dict:
    renders = body.get("renders") or []
    if not renders:
        return {}
    return {"Location": request.build_absolute_uri(reverse("api-render-detail", args=[renders[0]["id"]]))}


_STATUS_PARAMETER = OpenApiParameter("status", str, enum=JobStatus.values, description="Only renders in this state.")


class RenderListCreateView(generics.GenericAPIView):
    permission_classes = [CanEdit]
    serializer_class = RenderSerializer
    parser_classes = [JSONParser]  # nested lists and objects: JSON only (anything else is a 415)
    pagination_class = RenderCursorPagination

    def get_queryset(self):
        status_filter = self.request.query_params.get("status") or None
        if status_filter and status_filter not in JobStatus.values:
            raise ValidationError(
                {"status": [f"{status_filter!r} is not a render status; use one of {', '.join(JobStatus.values)}."]}
            )
        campaign = self.request.query_params.get("campaign") or None
        if campaign is not None and not (campaign.isdigit() and len(campaign) <= 19 and 1 <= int(campaign) <= MAX_ID):
            raise ValidationError({"campaign": [f"Must be a campaign id, a whole number from 1 to {MAX_ID}."]})
        return render_jobs_filter(
            merchant=self.request.merchant,
            status=status_filter,
            sku=self.request.query_params.get("sku") or None,
            campaign_id=int(campaign) if campaign else None,
        )

    @extend_schema(
        operation_id="renders_list",
        summary="List renders",
        tags=["renders"],
        parameters=[
            _STATUS_PARAMETER,
            OpenApiParameter("sku", str, description="Only renders of this SKU."),
            OpenApiParameter(
                "campaign",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="Only the renders of this campaign (GET /campaigns).",
            ),
        ],
        responses={200: RenderSerializer(many=True), **_errors(400, e404="The cursor is not valid.")},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        operation_id="renders_create",
        summary="Start renders",
        tags=["renders"],
        request=RenderCreateSerializer,
        parameters=[
            IDEMPOTENCY_KEY_PARAMETER,
            REPLAYED_RESPONSE_HEADER,
            OpenApiParameter(
                "Location", str, OpenApiParameter.HEADER, response=[202], description="URL of the first render."
            ),
        ],
        responses={
            202: OpenApiResponse(
                RenderListResponseSerializer,
                description=(
                    "Accepted: the renders are queued. Poll GET /renders/{id} or wait for the render.succeeded / "
                    "render.failed webhook."
                ),
            ),
            **_errors(
                400,
                409,
                422,
                e400=("Nothing was created; the message names each bad SKU, template, aspect ratio or field."),
                e409="A request with this Idempotency-Key is still running; retry shortly.",
            ),
        },
        description="One render per SKU, validated together: if any SKU (or anything else) is refused, "
        "nothing is created. Send an Idempotency-Key to retry safely.",
    )
    @idempotent(replay_headers=_render_location)
    def post(self, request):
        given = RenderCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        jobs = render_jobs_create(
            merchant=request.merchant,
            template_slug=data["template"],
            skus=data["skus"] if "skus" in data else [data["sku"]],
            aspect_ratios=data.get("aspect_ratios"),
            engine=data.get("engine"),
            family=data.get("family"),
            merge_fields=data.get("merge_fields"),
            webhook_url=data.get("webhook_url"),
            metadata=data.get("metadata"),
        )
        body = {
            "renders": [
                # just made from the catalog as it is: current
                render_job_payload(job, renditions=[], absolute_url=request.build_absolute_uri, stale_because=[])
                for job in jobs
            ]
        }
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=_render_location(request, body))


class RenderDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="renders_retrieve",
        summary="Get a render",
        tags=["renders"],
        responses={200: RenderSerializer, **_errors(404)},
    )
    def get(self, request, pk: int):
        job = render_job_get(merchant=request.merchant, job_id=pk)
        return Response(RenderSerializer(job, context={"request": request}).data)


class RenderCancelView(IdsInRange, APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="renders_cancel",
        summary="Cancel a render",
        tags=["renders"],
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        responses={
            200: RenderSerializer,
            **_errors(
                404,
                409,
                422,
                e409=(
                    "The render already finished (succeeded, failed or cancelled), or a request with this "
                    "Idempotency-Key is still running."
                ),
            ),
        },
        description="Stops a queued or running render: its shots stop at their next step.",
    )
    @idempotent
    def post(self, request, pk: int):
        job = render_job_get(merchant=request.merchant, job_id=pk)
        if not render_job_cancel(job=job):
            job.refresh_from_db(fields=["status"])
            raise Conflict(
                f"Render {job.pk} already finished ({job.status}); only queued or running renders can be cancelled."
            )
        job.refresh_from_db()
        return Response(RenderSerializer(job, context={"request": request}).data)


class ProductVideosView(APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="products_videos",
        summary="A product's videos (storefront embed)",
        tags=["storefront"],
        parameters=[
            OpenApiParameter(
                "aspect",
                str,
                enum=list(ASPECT_RATIOS),
                description="Only this aspect ratio (the latest render that has it).",
            ),
            OpenApiParameter(
                "sku",
                str,
                OpenApiParameter.PATH,
                description="The SKU of any of the product's variants, or the product's handle or id (a SKU on "
                "several products is a 400 naming them).",
            ),
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag you hold: 304 with no body if it is still current.",
            ),
            OpenApiParameter(
                "ETag",
                str,
                OpenApiParameter.HEADER,
                response=[200, 304],
                description="Changes whenever the answer changes.",
            ),
            OpenApiParameter(
                "Cache-Control",
                str,
                OpenApiParameter.HEADER,
                response=[200, 304],
                description=f"{EMBED_CACHE_CONTROL}: reuse for a minute, then revalidate.",
            ),
        ],
        responses={
            200: ProductVideosSerializer,
            304: OpenApiResponse(description="Not modified: your If-None-Match matches the ETag."),
            **_errors(400, 404, e404="The merchant has no product with this SKU."),
        },
        description="The videos of the product's latest succeeded render, for a storefront player. Cacheable: "
        "send If-None-Match with the ETag you got.",
    )
    def get(self, request, sku: str):
        aspect = request.query_params.get("aspect") or None
        if aspect and aspect not in ASPECT_RATIOS:
            raise ValidationError(
                {"aspect": [f"{aspect!r} is not an aspect ratio we make; use one of {', '.join(ASPECT_RATIOS)}."]}
            )
        try:
            renditions = product_latest_renditions(merchant=request.merchant, sku=sku, aspect_ratio=aspect)
        except SkuAmbiguous as exc:
            raise ValidationError({"sku": [str(exc)]}) from None
        if renditions is None:
            raise Variant.DoesNotExist(f"No product with SKU, handle or id {sku!r}.")
        # All from one render (its job, product, variant and template came with the renditions): one photo query.
        stale_because = render_job_stale_reasons(job=renditions[0].job) if renditions else []
        body = {
            "sku": sku,
            "videos": [
                {
                    "render_id": rendition.job_id,
                    "created_at": serializers.DateTimeField().to_representation(rendition.created_at),
                    **rendition_payload(rendition, absolute_url=request.build_absolute_uri),
                    "stale": bool(stale_because),
                    "stale_because": stale_because,
                }
                for rendition in renditions
            ],
        }
        etag = f'"{hashlib.sha256(JSONRenderer().render(body)).hexdigest()[:32]}"'
        headers = {"ETag": etag, "Cache-Control": EMBED_CACHE_CONTROL}
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        else:
            response = Response(body, headers=headers)
        patch_vary_headers(response, ["Authorization"])
        if isinstance(request.auth, MerchantApiKey):  # the fast path may replay it (shop_video/embed_fast_path.py)
            embed_offer_attach(request, response, merchant_id=request.merchant.pk)
        return response


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): W/"x" matches "x"; * matches any current representation."""
    if not if_none_match:
        return False
    tags = parse_etags(if_none_match)
    if tags == ["*"]:
        return True
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}
