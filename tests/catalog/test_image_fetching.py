import pytest

from catalog.fetching import product_image_fetch_run
from catalog.models import ProductImage
from shop_video.safe_http import FetchFailed
from tests import factories
from tests.test_safe_http import PHOTO, allow_loopback, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(merchant):
    return factories.product_make(merchant=merchant, sku="URL-1", photos=0)


def _queue(product, url):
    """A pending URL photo, as an import records it."""
    return ProductImage.objects.create(merchant=product.merchant, product=product, source_url=url)


def test_a_url_image_is_fetched_validated_and_stored(product, server, allow_loopback):  # noqa: F811
    image = _queue(product, server + "/photo.jpg")
    product_image_fetch_run(image_id=image.pk, final_attempt=False)
    image.refresh_from_db()
    assert image.status == ProductImage.Status.READY and image.file and (image.width, image.height) == (320, 240)


def test_a_missing_image_fails_at_once_with_the_reason(product, server, allow_loopback):  # noqa: F811
    image = _queue(product, server + "/gone.jpg")
    product_image_fetch_run(image_id=image.pk, final_attempt=False)
    image.refresh_from_db()
    assert (image.status, image.error) == (ProductImage.Status.FAILED, "the server answered HTTP 404")


def test_an_unreachable_server_is_retried_then_marked_failed(product, server, allow_loopback):  # noqa: F811
    image = _queue(product, server + "/broken")
    with pytest.raises(FetchFailed):
        product_image_fetch_run(image_id=image.pk, final_attempt=False)
    assert ProductImage.objects.get(pk=image.pk).status == ProductImage.Status.PENDING
    product_image_fetch_run(image_id=image.pk, final_attempt=True)
    image.refresh_from_db()
    assert image.status == ProductImage.Status.FAILED
    assert image.error == "the server answered HTTP 503 (gave up after retries; re-import to try again)"
    assert product.variants.filter(sku="URL-1").exists()  # the product itself stays imported
