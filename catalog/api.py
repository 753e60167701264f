"""The catalog's REST API: imports (queued, then run by a worker) and products (read, edit, archive, add photos).

Views are thin: they parse with a serializer, call a service or a merchant-scoped lookup with
`request.merchant` (set by the role permission, shop_video.api.permissions), and answer with a serializer or
a service's payload (catalog.payloads). Another merchant's ids and SKUs are 404s.
Errors take the API's one shape (shop_video.api.exceptions).
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import limits
from catalog.fields import AMOUNT_READ_PRECISION
from catalog.import_requests import catalog_import_request_create
from catalog.importers import IMPORTERS
from catalog.models import CatalogImport, Product, ProductImage, Variant
from catalog.payloads import catalog_import_payload
from catalog.selectors import catalog_import_get, catalog_imports_list, product_get_by_ref, products_filter
from catalog.services import PRODUCT_EDITABLE_FIELDS, product_archive, product_photos_upload, product_update
from shop_video.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, idempotent
from shop_video.api.pagination import ApiCursorPagination
from shop_video.api.parsers import JSONParser
from shop_video.api.permissions import CanEdit
from shop_video.api.schema import api_error_responses
from shop_video.api.serializers import FileUrlField, IdsInRange, StrictSerializer

# --- Docs-only: the API's error body --------------------------------------------------------------------------


def _errors(*codes: int) -> dict:
    return api_error_responses(
        *codes, e409="The Idempotency-Key's first request is still running.", e415="Send multipart/form-data."
    )


# --- Imports --------------------------------------------------------------------------------------------------

_FORMAT_HELP = "One of the importers' names; leave it out to detect the format from the file."
_FORMAT_ERRORS = {
    "invalid_choice": f"Unknown format {{input!r}}; use one of {', '.join(IMPORTERS)}, or leave it "
    "out to detect the format from the file."
}


class _ImportOptionsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=list(IMPORTERS), required=False, allow_blank=True, help_text=_FORMAT_HELP, error_messages=_FORMAT_ERRORS
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Name of a saved column mapping (implies the generic format).",
    )
    archive_missing = serializers.BooleanField(
        required=False, default=False, help_text="This is the full catalog: archive products it lacks."
    )


class CatalogImportUploadSerializer(_ImportOptionsSerializer):
    file = serializers.FileField(help_text="The feed: CSV, TSV, XML or JSON, at most FEED_MAX_BYTES.")


class CatalogImportUrlSerializer(_ImportOptionsSerializer):
    url = serializers.CharField(max_length=2000, help_text="An http(s) address the feed is downloaded from.")


class _CatalogImportRequestSerializer(_ImportOptionsSerializer):
    """What the view parses: either body above."""

    file = serializers.FileField(required=False)
    url = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(read_only=True, help_text="The row's number in the file (the header is row 1).")
    field = serializers.CharField(help_text="The column it is in; empty for the whole row.")
    message = serializers.CharField(help_text="What to change.")
    ref = serializers.CharField(
        required=False, help_text="The product's handle or id as the file gives it, when the row has one."
    )
    line = serializers.IntegerField(
        read_only=True,
        required=False,
        help_text="The file line the row starts on, only where it differs from row (a cell spanning lines).",
    )


class ImportCountsSerializer(serializers.Serializer):
    # Response only (read_only): a number a request could set would need a range (BoundedIntegerField).
    created = serializers.IntegerField(read_only=True, source="created_count")
    updated = serializers.IntegerField(read_only=True, source="updated_count")
    unchanged = serializers.IntegerField(read_only=True, source="unchanged_count")
    failed = serializers.IntegerField(read_only=True, source="failed_count", help_text="Rows with at least one error.")
    archived = serializers.IntegerField(
        read_only=True, source="archived_count", help_text="Products archived as missing."
    )


class CatalogImportSerializer(serializers.ModelSerializer):
    # Describes catalog_import_payload (catalog/payloads.py), which the catalog_import.finished webhook sends too.
    source_type = serializers.SerializerMethodField()
    format = serializers.SerializerMethodField()
    mapping = serializers.SerializerMethodField()
    counts = ImportCountsSerializer(source="*")
    errors = serializers.SerializerMethodField()
    errors_total = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = CatalogImport
        fields = [
            "id",
            "status",
            "source",
            "source_type",
            "format",
            "mapping",
            "archive_missing",
            "counts",
            "errors",
            "errors_total",
            "notes",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def to_representation(self, record: CatalogImport) -> dict:
        return catalog_import_payload(record)

    # The schema's types for the payload's computed fields (never called: to_representation builds the body).
    def get_source_type(self, record) -> str: ...

    @extend_schema_field(serializers.ChoiceField(choices=list(IMPORTERS), allow_null=True))
    def get_format(self, record) -> str | None: ...

    def get_mapping(self, record) -> str | None: ...

    @extend_schema_field(RowErrorSerializer(many=True))
    def get_errors(self, record) -> list[dict]: ...

    def get_errors_total(self, record) -> int: ...

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_notes(self, record) -> list[str]:
        """What the import skipped or assumed without refusing a row (e.g. a SKU on several products)."""

    def get_error(self, record) -> str | None:
        """Why the whole import failed; null unless it did."""


class NewestFirstCursorPagination(ApiCursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200


def _import_location(request, body) -> dict:
    return {"Location": request.build_absolute_uri(reverse("catalog-import-detail", args=[body["id"]]))}


_LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[202], description="The import's own URL, to poll."
)


class CatalogImportsView(generics.ListAPIView):
    permission_classes = [CanEdit]
    serializer_class = CatalogImportSerializer
    pagination_class = NewestFirstCursorPagination
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return CatalogImport.objects.none()
        return catalog_imports_list(merchant=self.request.merchant)

    @extend_schema(
        operation_id="catalog_imports_list",
        responses={200: CatalogImportSerializer(many=True), **_errors(401, 404)},
        description="The merchant's imports, newest first, a page at a time (cursor pagination: follow `next`).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="catalog_imports_create",
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER, _LOCATION],
        request={"multipart/form-data": CatalogImportUploadSerializer, "application/json": CatalogImportUrlSerializer},
        responses={
            202: OpenApiResponse(
                CatalogImportSerializer,
                description=(
                    "Queued; poll the Location (GET /api/v1/catalog/imports/{id}) or wait for the catalog_import.finished "
                    "webhook."
                ),
            ),
            **_errors(400, 401, 409, 422),
        },
        description="Import a catalog feed: upload it as `file` (multipart) or give its `url` (JSON). The request "
        "is checked at once (format, mapping, size, URL scheme) and the rows are read by a worker.",
    )
    @idempotent(replay_headers=_import_location)
    def post(self, request):
        serializer = _CatalogImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = catalog_import_request_create(
            merchant=request.merchant,
            file=data.get("file"),
            url=data.get("url", ""),
            feed_format=data.get("format", ""),
            mapping_name=data.get("mapping", ""),
            archive_missing=data["archive_missing"],
        )
        body = CatalogImportSerializer(record).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=_import_location(request, body))


class CatalogImportDetailView(IdsInRange, APIView):
    permission_classes = [CanEdit]

    @extend_schema(
        operation_id="catalog_imports_retrieve",
        responses={200: CatalogImportSerializer, **_errors(401, 404)},
        description="An import's status, counts and row errors (the first 1,000; errors_total counts "
        "all). `error` says why a failed import failed.",
    )
    def get(self, request, import_id: int):
        return Response(
            CatalogImportSerializer(catalog_import_get(merchant=request.merchant, import_id=import_id)).data
        )


# --- Products -------------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2,}$", "example": "24.00"})
class PriceField(serializers.Field):
    """An exact amount as a decimal string with at least two decimals: "24.00", "0.125"."""

    def to_representation(self, value: Decimal) -> str:
        with localcontext(prec=AMOUNT_READ_PRECISION):  # an out-of-range amount stored earlier still shows
            value = value.normalize()
            if value.as_tuple().exponent > -2:
                value = value.quantize(Decimal("0.01"))
        return format(value, "f")


class VariantSerializer(serializers.ModelSerializer):
    price = PriceField(read_only=True)
    options = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text='The options that tell variants apart, e.g. {"Size": "M"}.',
    )
    compare_at_price = PriceField(
        read_only=True, allow_null=True, help_text="The regular price when on sale, else null."
    )

    class Meta:
        model = Variant
        fields = ["sku", "title", "price", "compare_at_price", "currency", "availability", "options"]
        read_only_fields = fields


class ProductImageSerializer(serializers.ModelSerializer):
    url = FileUrlField(source="file", help_text="Absolute URL of the stored photo; null until fetched.")
    source_url = serializers.CharField(
        read_only=True, help_text="The address the photo was fetched from; empty if uploaded."
    )
    error = serializers.SerializerMethodField(
        help_text="Why the photo could not be used (status failed), e.g. the fetch was refused or the file is not "
        "an image; null otherwise."
    )

    class Meta:
        model = ProductImage
        fields = ["id", "url", "source_url", "width", "height", "status", "error"]
        read_only_fields = fields

    def get_error(self, image: ProductImage) -> str | None:
        return image.error or None


class ProductSerializer(serializers.ModelSerializer):
    variants = VariantSerializer(many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)
    # Feeds often have no product page: an empty string, which is not a URI.
    url = serializers.CharField(read_only=True, help_text="The product's page as the feed gave it; empty if none.")

    class Meta:
        model = Product
        fields = [
            "id",
            "key",
            "title",
            "description",
            "brand",
            "product_type",
            "url",
            "status",
            "variants",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


_STATUS_ERRORS = {"invalid_choice": f"Unknown status {{input!r}}; use one of {', '.join(Product.Status.values)}."}


@extend_schema_field({"type": "string", "enum": Product.Status.values})
class _ProductStatusField(serializers.ChoiceField):
    """Described inline: a second component with Product.Status's choices would be an enum-name collision."""

    def __init__(self, **kwargs):
        super().__init__(choices=Product.Status.choices, required=False, error_messages=_STATUS_ERRORS, **kwargs)


class ProductUpdateSerializer(StrictSerializer):
    noun = "product"

    title = serializers.CharField(required=False, max_length=500)
    description = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=limits.DESCRIPTION_MAX_CHARS
    )
    brand = serializers.CharField(required=False, allow_blank=True, max_length=200)
    product_type = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = _ProductStatusField()


class ProductListQuerySerializer(serializers.Serializer):
    status = _ProductStatusField(help_text="Only products in this status (default: every status but archived).")
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Search title, brand and SKUs (case-insensitive)."
    )
    sku = serializers.CharField(required=False, allow_blank=True, help_text="Only the product that has this exact SKU.")


class ByIdCursorPagination(NewestFirstCursorPagination):
    ordering = "id"


_REF = OpenApiParameter(
    "ref",
    str,
    OpenApiParameter.PATH,
    description="The product's id, or the SKU of one of its variants. When a numeric SKU could "
    "also be an id, `id:12` or `sku:12` says which.",
)


def _product_body(request, product: Product) -> dict:
    return ProductSerializer(product, context={"request": request}).data


class ProductListView(generics.ListAPIView):
    permission_classes = [CanEdit]
    serializer_class = ProductSerializer
    pagination_class = ByIdCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return Product.objects.none()
        query = ProductListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return products_filter(merchant=self.request.merchant, **query.validated_data)

    @extend_schema(
        operation_id="products_list",
        parameters=[ProductListQuerySerializer],
        responses={200: ProductSerializer(many=True), **_errors(400, 401, 404)},
        description="The merchant's products by id, with variants and photos, a page at a time "
        "(cursor pagination: follow `next`).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProductDetailView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="products_retrieve",
        parameters=[_REF],
        responses={200: ProductSerializer, **_errors(400, 401, 404)},
    )
    def get(self, request, ref: str):
        return Response(_product_body(request, product_get_by_ref(merchant=request.merchant, ref=ref)))

    @extend_schema(
        operation_id="products_partial_update",
        parameters=[_REF],
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **_errors(400, 401, 404)},
        description=f"Change {', '.join(PRODUCT_EDITABLE_FIELDS)}. Variants, prices and photos come "
        "from imports and uploads.",
    )
    def patch(self, request, ref: str):
        product = product_get_by_ref(merchant=request.merchant, ref=ref)
        serializer = ProductUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_update(product=product, changes=dict(serializer.validated_data))
        return Response(_product_body(request, product))

    @extend_schema(
        operation_id="products_archive",
        parameters=[_REF],
        responses={200: ProductSerializer, **_errors(400, 401, 404)},
        description="Archive the product (it is never deleted) and return it.",
    )
    def delete(self, request, ref: str):
        product = product_archive(product=product_get_by_ref(merchant=request.merchant, ref=ref))
        return Response(_product_body(request, product))


class ProductImagesUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), help_text="One or many photos (JPEG, PNG, WebP...).")


class UploadedImageSerializer(serializers.Serializer):
    file = serializers.CharField()
    image = ProductImageSerializer()


class FileMessageSerializer(serializers.Serializer):
    file = serializers.CharField()
    message = serializers.CharField()


class ProductImagesReportSerializer(serializers.Serializer):
    added = UploadedImageSerializer(many=True)
    duplicates = FileMessageSerializer(many=True, help_text="Photos the product already had; nothing was added.")
    rejected = FileMessageSerializer(many=True, help_text="Files that are not acceptable photos, with the reason.")


class ProductImagesView(APIView):
    permission_classes = [CanEdit]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="products_images_create",
        parameters=[_REF, IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        request={"multipart/form-data": ProductImagesUploadSerializer},
        responses={201: ProductImagesReportSerializer, **_errors(400, 401, 404, 409, 415, 422)},
        description="Add photos to a product. Each file is validated on its own: the report lists what "
        "was added, what the product already had, and each rejected file with the reason. "
        "When no file is usable the answer is a 400 naming each file's problem.",
    )
    @idempotent
    def post(self, request, ref: str):
        product = product_get_by_ref(merchant=request.merchant, ref=ref)
        files = request.FILES.getlist("files")
        if not files:
            raise serializers.ValidationError(
                {"files": ["Send one or more photos as `files` (multipart/form-data, the field repeated per photo)."]}
            )
        report = product_photos_upload(product=product, files=[(f.name, f.read()) for f in files])
        if not report.added and not report.duplicates:
            raise serializers.ValidationError({"files": [f"{r['file']}: {r['message']}" for r in report.rejected]})
        context = {"request": request}
        body = {
            "added": [
                {"file": name, "image": ProductImageSerializer(image, context=context).data}
                for name, image in report.added
            ],
            "duplicates": [
                {"file": name, "message": "the product already has this photo"} for name in report.duplicates
            ],
            "rejected": report.rejected,
        }
        return Response(body, status=status.HTTP_201_CREATED)
