import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop_video.settings")
application = get_wsgi_application()

# The storefront embed replayed from memory while unchanged (off unless EMBED_CACHE_URL is set).
from shop_video.embed_fast_path import EmbedFastPath  # noqa: E402  (needs the settings configured above)

application = EmbedFastPath(application)
