import os

import pytest
from django.conf import settings


def _broker_reachable() -> str | None:
    """None if the configured broker answers, else why not."""
    from shop_video.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # any failure to connect means: not here
        return f"{settings.CELERY_BROKER_URL}: {exc}"
    return None


@pytest.fixture(autouse=True)
def _broker_available():
    problem = _broker_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs its broker and it is not reachable ({problem}); .ci/run starts it")
        pytest.skip(f"broker not reachable ({problem}); start it or unset CELERY_BROKER_URL for the embedded one")
