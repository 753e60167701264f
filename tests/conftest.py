import pytest

from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _c2pa_dev_certificate():
    """Every output is signed (generation/provenance): the development chain, made once where settings point
    (VAR_DIR/c2pa), which the tests' worker processes read too."""
    from django.conf import settings

    from generation.provenance.dev_certificate import dev_certificate_write

    dev_certificate_write(cert_path=settings.C2PA_SIGN_CERT, key_path=settings.C2PA_SIGN_KEY)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # shop_video/media.py: feeds, photos, brand files, shots
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
    monkeypatch.setattr(
        dispatch, "shots_send_pending", lambda *, shot_ids, queue: sent["shots"].append((shot_ids, queue))
    )
    return sent


@pytest.fixture(scope="session")
def tiny_dit_dirs(tmp_path_factory):
    """Tiny random-weight pipelines of the three DiT families, saved once per run like released weights."""
    from generation.engines.dit.tiny import tiny_dit_save

    root = tmp_path_factory.mktemp("dit-models")
    return {family: tiny_dit_save(family=family, out_dir=root / family) for family in ("ltx", "wan", "cogvideox")}


@pytest.fixture
def dit_models(settings, tiny_dit_dirs):
    """Settings point the DiT engine at the tiny models; every test starts and ends with nothing loaded, so a
    test double hooked into one test's model never leaks into the next."""
    from generation.engines.dit import loading

    settings.DIT_MODELS = {family: str(path) for family, path in tiny_dit_dirs.items()}
    loading.models_unload()
    yield tiny_dit_dirs
    loading.models_unload()


def _api_client_for(merchant):
    from rest_framework.test import APIClient

    from shop_video.api.services import api_key_create

    client = APIClient()
    _, key = api_key_create(merchant=merchant, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.key = key
    return client


@pytest.fixture
def api(merchant):
    """An API client holding a fresh API key of `merchant` (acme)."""
    return _api_client_for(merchant)


@pytest.fixture
def other_api(other_merchant):
    """An API client holding a key of `other_merchant` (globex): must never see acme's data."""
    return _api_client_for(other_merchant)


@pytest.fixture
def presenter(merchant):
    """acme's default presenter: the portrait photo, the built-in English voice."""
    return factories.presenter_make(merchant=merchant)


@pytest.fixture(scope="session")
def tiny_ltx2_dir(tmp_path_factory):
    """A tiny random-weight LTX-2 image-to-video pipeline, saved once per run like released weights."""
    from generation.engines.dit.tiny_ltx2 import make_tiny_ltx2

    return make_tiny_ltx2(tmp_path_factory.mktemp("tiny-ltx2"))
