"""Sign-in throttling (django-axes): by account and by address, for the dashboard's and the admin's login.

settings.py names these: the authentication backend, how the account and the client address are read, and the
page a locked-out sign-in gets (the sign-in form again, saying when to try again, with HTTP 429).
"""

from __future__ import annotations

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check before the password is looked at, for sign-ins that come with a request.

    Every sign-in page (LoginView, the admin's) passes the request. Axes refuses a call without one; Django's own
    test client (Client.login) and shell code call authenticate() without a request and are not sign-ins from an
    address, so they skip the check here instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a sign-in is for, as one key however it is capitalised or padded."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    return username.strip().lower() if username else None


def client_address(request: HttpRequest) -> str | None:
    """The address a request comes from: REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES proxies the address the
    outermost of them saw (X-Forwarded-For read from the right: the entries a client adds itself are ignored)."""
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The sign-in page again, saying why and for how long (429), instead of axes' bare page."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout_minutes": lockout_minutes(request),
    }
    return render(request, "registration/login.html", context, status=429)
