import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def builtin_templates(db):
    from generation.presets import video_templates_sync_builtin

    return {template.slug: template for template in video_templates_sync_builtin()}


@pytest.fixture
def merchant(db):
    return factories.merchant_make(slug="acme")


@pytest.fixture
def other_merchant(db):
    return factories.merchant_make(slug="globex")


@pytest.fixture
def product_with_photos(merchant):
    return factories.product_make(merchant=merchant, sku="MUG-1", photos=2)


@pytest.fixture
def sent_tasks(monkeypatch):
    """Records what the services send to the queues instead of sending it (unit tests have no worker)."""
    from generation import dispatch

    sent = {"shots": [], "assembly": []}
    monkeypatch.setattr(dispatch, "shots_send", lambda *, shot_ids, queue: sent["shots"].append((shot_ids, queue)))
    monkeypatch.setattr(dispatch, "assembly_send", lambda *, job_id: sent["assembly"].append(job_id))
    return sent
