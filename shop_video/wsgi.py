import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a media bucket that cannot be used stops the server here, naming the variable.
from shop_video.object_storage import object_storage_check  # noqa: E402

object_storage_check()

# The storefront embed replayed from memory while unchanged (off unless EMBED_CACHE_URL is set).
from shop_video.embed_fast_path import EmbedFastPath  # noqa: E402  (needs the settings configured above)

application = EmbedFastPath(application)
