from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect


def home(request):
    # The merchant dashboard (shop_video/dashboard); it sends anyone not signed in to /accounts/login/.
    return redirect("dashboard:catalog")


def healthz(request):
    """For load balancers and `make run`: 200 when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # report, do not raise: a health check must answer
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
