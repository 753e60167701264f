from django.shortcuts import redirect


def home(request):
    # The merchant dashboard (shop_video/dashboard); it sends anyone not signed in to /accounts/login/.
    return redirect("dashboard:catalog")
