"""API views that belong to no app: who am I."""

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from shop_video.api.models import MerchantApiKey
from shop_video.api.permissions import CanEdit


class MeView(APIView):
    """Which merchant the credentials act for: the first call a storefront makes to check its key."""

    permission_classes = [CanEdit]

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "merchant": serializers.CharField(),
                "merchant_name": serializers.CharField(),
                "auth": serializers.ChoiceField(choices=["api_key", "session"]),
                "key_prefix": serializers.CharField(allow_null=True),
            },
        )
    )
    def get(self, request):
        api_key = request.auth if isinstance(request.auth, MerchantApiKey) else None
        return Response(
            {
                "merchant": request.merchant.slug,
                "merchant_name": request.merchant.name,
                "auth": "api_key" if api_key else "session",
                "key_prefix": api_key.prefix if api_key else None,
            }
        )


@csrf_exempt  # an API path answers JSON for every method, never the CSRF failure page
def api_not_found(request, *args, **kwargs):
    """Any /api/ path no route matches: the API's JSON 404, not Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {
            "error": {
                "type": "not_found",
                "message": f"No API route {request.path}; the routes are listed at /api/docs/.",
            }
        },
        status=404,
    )
