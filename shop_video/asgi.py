import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
application = get_asgi_application()

# No system checks under an ASGI server either: a media bucket that cannot be used stops it here.
from shop_video.object_storage import object_storage_check  # noqa: E402

object_storage_check()
