"""Serving stored files safely: private files only to their own merchant, every file with a type that cannot run.

A private file (shop_video/media.py) is named `<merchant.media_key>/...`; GET /files/<name> streams it through
storage.open (or, in a bucket, redirects to a five-minute presigned URL) only to a member of that merchant (the merchant rule and role table of shop_video.tenancy.access)
or to that merchant's API key (and to superusers, for the admin's previews). Anyone else gets 404 (another merchant's file and a missing file look the same),
an anonymous caller 401.

Every file served here or by `make run`'s public /media/ has `X-Content-Type-Options: nosniff`, a content type
from a short list of media types (anything else is application/octet-stream, so an uploaded .html or .svg is
never a page) and `Content-Disposition: attachment`, except a rendition, which plays inline as video/mp4.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from django.http import FileResponse, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.views.static import serve
from rest_framework import exceptions, permissions
from rest_framework.views import APIView

from shop_video.api.models import MerchantApiKey
from shop_video.media import media_is_local, private_storage
from shop_video.tenancy.access import Ability, membership_current, role_can
from shop_video.tenancy.models import Merchant

# The only types a stored file is ever served as; each is data a browser will not run as a page.
SAFE_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "text/plain; charset=utf-8",
    "ts": "video/mp2t",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"
# A file opened directly in a tab still runs nothing, even in a browser that ignores the type.
FILE_CSP = "default-src 'none'; media-src 'self'; img-src 'self'; sandbox"
PRIVATE_NAME = re.compile(r"(?P<key>[0-9a-f]{32})/[a-z0-9_-]+/[A-Za-z0-9_-]+(\.[a-z0-9]{1,5})?")


def safe_content_type(name: str) -> str:
    return SAFE_CONTENT_TYPES.get(PurePath(name).suffix.lower().lstrip("."), FALLBACK_CONTENT_TYPE)


def file_headers_apply(response: HttpResponseBase, *, name: str, inline: bool = False) -> HttpResponseBase:
    """The headers every served file gets; `inline` only for a rendition's video."""
    content_type = safe_content_type(name)
    inline = inline and content_type == "video/mp4"
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{PurePath(name).name}"'
    return response


class _AnyCaller(permissions.BasePermission):
    """Who may read which file is decided per file in the view (it depends on the file's merchant)."""

    def has_permission(self, request, view) -> bool:
        return True


class PrivateFileView(APIView):
    """GET /files/<name>: a private file, to its own merchant only (see the module's docstring)."""

    permission_classes = [_AnyCaller]
    schema = None  # not an API route clients call by hand: file URLs in API answers point here

    def get(self, request, name: str):
        merchant = _file_merchant(name)
        if not _may_read(request, merchant):
            raise exceptions.NotFound("No such file; it may have been deleted, or it belongs to another shop.")
        if not media_is_local(private_storage):
            # In a bucket: a short presigned URL for this caller, who was just checked (objects carry the same
            # safe type and `attachment`; shop_video/object_storage.py). The redirect itself is not cached.
            response = HttpResponseRedirect(private_storage.presigned_url(name))
            response["Cache-Control"] = "private, no-store"
            return response
        try:
            handle = private_storage.open(name, "rb")
        except (FileNotFoundError, OSError):
            raise exceptions.NotFound("No such file; it may have been deleted.") from None
        response = FileResponse(handle, content_type=safe_content_type(name))
        response["Cache-Control"] = "private, max-age=300"
        return file_headers_apply(response, name=name)


def _file_merchant(name: str) -> Merchant | None:
    match = PRIVATE_NAME.fullmatch(name)
    return Merchant.objects.filter(media_key=match["key"]).first() if match else None


def _may_read(request, merchant: Merchant | None) -> bool:
    if isinstance(request.auth, MerchantApiKey):
        return merchant is not None and request.auth.merchant_id == merchant.pk
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated("Sign in, or send 'Authorization: Api-Key <your key>', to read this file.")
    if merchant is None:
        return False
    if request.user.is_superuser:  # the operators, who see every shop in the admin (its photo previews too)
        return True
    membership = membership_current(user=request.user, chosen_merchant_id=merchant.pk)
    return (
        membership is not None
        and membership.merchant_id == merchant.pk
        and role_can(role=membership.role, ability=Ability.READ)
    )


def public_media_serve(request: HttpRequest, path: str, document_root=None) -> HttpResponseBase:
    """`make run`'s /media/ (DEBUG only; production serves it from its own origin, deploy/README.md): renditions
    play inline, everything else downloads, nothing is sniffed."""
    response = serve(request, path, document_root=document_root)
    is_rendition = path.startswith("renders/") and path.endswith(".mp4")
    return file_headers_apply(response, name=path, inline=is_rendition)
