"""Settings of the fleet test's processes: the project's own, with the test's photo server on 127.0.0.1 allowed
(the only host the SSRF guard exempts; production leaves the list empty)."""

from shop_video.settings import *  # noqa: F403

IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
