"""Fixtures the render API tests share (test_api.py, test_embed_api.py)."""

import pytest

from tests import factories


@pytest.fixture
def emitted(monkeypatch):
    """Webhook events the services emit, instead of queueing deliveries."""
    from shop_video.webhooks import services as webhook_services

    calls = []
    monkeypatch.setattr(webhook_services, "webhook_event_emit", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def catalog(merchant, product_with_photos, builtin_templates, sent_tasks):
    """acme with MUG-1 (2 photos) and CUP-2 (1 photo, brand Acme), and the built-in templates."""
    factories.product_make(merchant=merchant, sku="CUP-2", photos=1, title="Tea Cup")
    return merchant
