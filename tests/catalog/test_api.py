"""The catalog REST API: imports (queued, run by the task, reported with counts and row errors) and products
(list, search, retrieve by id or SKU, edit, archive, add photos), each scoped to the caller's merchant."""

import http.server
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog.models import CatalogImport, ImportMapping, Product, Variant
from catalog.services import VariantFields, product_upsert
from catalog.tasks import catalog_import_process
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "sku,title,description,price,currency,image\n"
FEED = HEADER + "OK-1,Blue Mug,Holds 300 ml,24.00,USD,\nBAD-1,Bad price,,ten dollars,USD,\nOK-2,Red Mug,,19.5,EUR,\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test makes merchants with owners; the production hasher would be most of this file's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sent(monkeypatch):
    """The import task as the queue would run it: recorded (id, queue), then run at once in this process."""
    calls = []

    def apply_async(args, queue, **kwargs):
        calls.append((args[0], queue))
        catalog_import_process.apply(args=args)

    monkeypatch.setattr(catalog_import_process, "apply_async", apply_async)
    return calls


@pytest.fixture
def webhooks(monkeypatch):
    events = []
    monkeypatch.setattr(
        "shop_video.webhooks.services.webhook_event_emit",
        lambda *, merchant, event, data, extra_urls=(): events.append((merchant.slug, event, data)),
    )
    return events


def _feed(data: str | bytes = FEED, name="feed.csv"):
    return SimpleUploadedFile(name, data.encode() if isinstance(data, str) else data, content_type="text/csv")


def _error(response, status: int, error_type: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["type"] == error_type and error["message"]
    return error


# --- imports --------------------------------------------------------------------------------------------------


def test_an_uploaded_feed_is_queued_then_imported_keeping_good_rows_and_reporting_the_bad_one(
    api, merchant, sent, webhooks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post("/api/v1/catalog/imports", {"file": _feed()}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == f"http://testserver/api/v1/catalog/imports/{body['id']}"
    assert (body["status"], body["source"], body["source_type"], body["format"]) == (
        "queued",
        "feed.csv",
        "file",
        "plain_csv",
    )
    assert not Variant.objects.exists() and sent == []  # nothing runs before the request's transaction commits

    for callback in callbacks:
        callback()
    assert sent == [(body["id"], "default")]
    report = api.get(response["Location"]).json()
    assert report["status"] == "succeeded" and report["error"] is None
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1, "archived": 0}
    assert report["errors_total"] == 1
    assert report["errors"] == [
        {
            "row": 3,
            "field": "price",
            "message": "price 'ten dollars' is not a number: write it like 24.00 or 24.00 EUR",
            "ref": "BAD-1",
        }
    ]
    assert report["started_at"] and report["finished_at"]
    assert sorted(Variant.objects.filter(merchant=merchant).values_list("sku", flat=True)) == ["OK-1", "OK-2"]
    assert CatalogImport.objects.count() == 1  # one record per request, the one the client holds
    assert webhooks == [("acme", "catalog_import.finished", report)]


def test_a_second_delivery_of_the_task_does_not_import_again(api, sent, webhooks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_id = api.post("/api/v1/catalog/imports", {"file": _feed()}, format="multipart").json()["id"]
    catalog_import_process.apply(args=[import_id])
    assert len(webhooks) == 1
    assert api.get(f"/api/v1/catalog/imports/{import_id}").json()["counts"]["created"] == 2


def test_archive_missing_and_a_saved_mapping_are_used(
    api, merchant, sent, django_capture_on_commit_callbacks, webhooks
):
    factories.product_make(merchant=merchant, sku="OLD-1", photos=0)
    ImportMapping.objects.create(
        merchant=merchant,
        name="erp",
        mapping={"sku": "Article", "title": "Name", "price": "Cost"},
        default_currency="EUR",
    )
    feed = _feed("Article,Name,Cost\nA-1,Lamp,12.50\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/catalog/imports", {"file": feed, "mapping": "erp", "archive_missing": "true"}, format="multipart"
        )
    assert response.status_code == 202, response.content
    report = api.get(response["Location"]).json()
    assert (report["format"], report["mapping"], report["archive_missing"]) == ("generic", "erp", True)
    assert report["counts"]["created"] == 1 and report["counts"]["archived"] == 1
    assert Variant.objects.get(sku="A-1").currency == "EUR"
    assert Product.objects.get(key="old-1").status == "archived"


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"file": "feed", "format": "excel"}, "format", "Unknown format 'excel'; use one of google_xml"),
        ({"file": "feed", "mapping": "nope"}, "mapping", "no saved mapping named 'nope'"),
        ({"file": "feed", "mapping": "theirs"}, "mapping", "no saved mapping named 'theirs'"),  # globex's mapping
        (
            {"file": "feed", "format": "shopify_csv", "mapping": "ours"},
            "format",
            "leave `format` out or set it to generic",
        ),
        ({"file": "unknown"}, "format", "format was not recognised"),
        ({"file": "big"}, "file", "the limit is 1,024 bytes"),
        ({"file": "empty"}, "file", "empty"),
        ({}, "file", "Send the feed as `file`"),
        ({"file": "feed", "url": "https://example.com/feed.csv"}, "url", "not both"),
        ({"url": "file:///etc/passwd"}, "url", "Only http:// and https:// URLs"),
        ({"url": "ftp://example.com/feed.csv"}, "url", "Only http:// and https:// URLs"),
        ({"url": "https:///feed.csv"}, "url", "no host name"),
        ({"url": "https://example.com/feed.csv", "format": "csv"}, "format", "Unknown format 'csv'"),
    ],
)
def test_bad_import_requests_are_400_naming_the_field_and_record_nothing(
    api, merchant, other_merchant, settings, sent, data, field, says
):
    settings.FEED_MAX_BYTES = 1024
    ImportMapping.objects.create(merchant=merchant, name="ours", mapping={"sku": "sku"})
    ImportMapping.objects.create(merchant=other_merchant, name="theirs", mapping={"sku": "sku"})
    files = {
        "feed": _feed(),
        "unknown": _feed("hello, world\nthis is not a catalog\n"),
        "big": _feed(HEADER + "X-1,Mug,,1,USD,\n" * 80),
        "empty": _feed(""),
    }
    if "file" in data:
        response = api.post("/api/v1/catalog/imports", {**data, "file": files[data["file"]]}, format="multipart")
    else:
        response = api.post("/api/v1/catalog/imports", data, format="json")
    error = _error(response, 400, "validation_error")
    assert list(error["fields"]) == [field]
    assert says in error["fields"][field][0]
    assert not CatalogImport.objects.exists() and sent == []


def test_a_retried_request_with_an_idempotency_key_queues_one_import(
    api, sent, webhooks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/catalog/imports", {"file": _feed()}, format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post("/api/v1/catalog/imports", {"file": _feed()}, format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (202, 202, "true")
    assert again.json()["id"] == first.json()["id"] and again["Location"] == first["Location"]
    assert CatalogImport.objects.count() == 1 and len(sent) == 1


def test_an_import_that_cannot_be_queued_is_failed_with_the_reason(
    api, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(catalog_import_process, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/catalog/imports", {"file": _feed()}, format="multipart")
    assert response.status_code == 202
    report = api.get(response["Location"]).json()
    assert report["status"] == "failed" and report["error"].startswith("The import could not be queued")


def test_a_url_the_fetcher_refuses_fails_the_import_with_the_reason(
    api, sent, webhooks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/catalog/imports", {"url": "http://127.0.0.1:9/feed.csv"}, format="json")
    assert response.status_code == 202
    assert response.json()["source_type"] == "url" and response.json()["format"] is None
    report = api.get(response["Location"]).json()
    assert report["status"] == "failed"
    assert report["error"] == (
        "Could not download the feed from http://127.0.0.1:9/feed.csv: 127.0.0.1 resolves to "
        "127.0.0.1, which is not a public address"
    )
    assert report["counts"]["created"] == 0 and webhooks[0][2]["status"] == "failed"


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = FEED.encode() if self.path == "/feed.csv" else b"<html>not a feed</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server(settings):
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_url_feed_is_downloaded_detected_and_imported(
    api, feed_server, sent, webhooks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        good = api.post("/api/v1/catalog/imports", {"url": feed_server + "/feed.csv"}, format="json")
        bad = api.post("/api/v1/catalog/imports", {"url": feed_server + "/page.html"}, format="json")
    report = api.get(good["Location"]).json()
    assert (report["status"], report["format"], report["counts"]["created"], report["errors_total"]) == (
        "succeeded",
        "plain_csv",
        2,
        1,
    )
    failed = api.get(bad["Location"]).json()
    assert failed["status"] == "failed" and failed["error"].startswith("The feed's format was not recognised")
    assert "send `format` as one of" in failed["error"]


def test_imports_are_listed_newest_first_a_page_at_a_time_and_only_the_callers(
    api, other_api, merchant, other_merchant
):
    ids = [CatalogImport.objects.create(merchant=merchant, source=f"feed-{n}.csv").pk for n in range(3)]
    CatalogImport.objects.create(merchant=other_merchant, source="theirs.csv")
    page = api.get("/api/v1/catalog/imports?limit=2").json()
    assert [item["id"] for item in page["results"]] == ids[::-1][:2]
    rest = api.get(page["next"]).json()
    assert [item["id"] for item in rest["results"]] == ids[:1] and rest["next"] is None
    assert [item["source"] for item in other_api.get("/api/v1/catalog/imports").json()["results"]] == ["theirs.csv"]


def test_the_error_list_is_capped_and_counted(api, merchant):
    errors = [{"row": n, "field": "price", "message": "bad"} for n in range(2, 1502)]
    record = CatalogImport.objects.create(
        merchant=merchant, source="big.csv", status="succeeded", errors=errors, failed_count=1500
    )
    body = api.get(f"/api/v1/catalog/imports/{record.pk}").json()
    assert len(body["errors"]) == 1000 and body["errors_total"] == 1500 and body["errors"][0]["row"] == 2


# --- products -------------------------------------------------------------------------------------------------


def _product(merchant, sku, title="Thing", brand="", status="active", price="10.00"):
    product, _ = product_upsert(
        merchant=merchant,
        key=sku.lower(),
        title=title,
        brand=brand,
        variants=[VariantFields(sku=sku, price=Decimal(price), currency="USD")],
    )
    if status != "active":
        Product.objects.filter(pk=product.pk).update(status=status)
    return product


def test_products_are_listed_by_id_and_next_links_walk_them_all_once(api, merchant, other_merchant):
    ids = [_product(merchant, f"SKU-{n}").pk for n in range(7)]
    _product(other_merchant, "THEIRS-1")
    seen, url = [], "/api/v1/products?limit=3"
    while url:
        page = api.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    assert seen == sorted(ids)


def test_products_are_searched_and_filtered(api, merchant):
    mug = _product(merchant, "MUG-BLUE", title="Blue Mug", brand="Potter & Co")
    tee = _product(merchant, "TEE-1", title="Tee", brand="Cotton Inc")
    old = _product(merchant, "MUG-OLD", title="Old Mug", status="archived")
    draft = _product(merchant, "LAMP-1", title="Lamp", status="draft")

    def ids(query):
        response = api.get(f"/api/v1/products{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids("") == [mug.pk, tee.pk, draft.pk]  # archived products only when asked for
    assert ids("?q=mug") == [mug.pk]  # title
    assert ids("?q=potter") == [mug.pk]  # brand
    assert ids("?q=tee-") == [tee.pk]  # SKU
    assert ids("?status=archived") == [old.pk]
    assert ids("?status=archived&q=mug") == [old.pk]
    assert ids("?status=draft") == [draft.pk]
    assert ids("?sku=TEE-1") == [tee.pk] and ids("?sku=TEE") == []
    error = _error(api.get("/api/v1/products?status=gone"), 400, "validation_error")
    assert error["fields"]["status"] == ["Unknown status 'gone'; use one of active, draft, archived."]


def test_a_product_has_its_variants_and_absolute_photo_urls(api, product_with_photos):
    Variant.objects.filter(sku="MUG-1").update(compare_at_price=Decimal("30"), options={"Colour": "Blue"})
    body = api.get("/api/v1/products/MUG-1").json()
    assert body["id"] == product_with_photos.pk and body["title"] == "Ceramic Mug"
    assert body["variants"] == [
        {
            "sku": "MUG-1",
            "title": "",
            "price": "24.00",
            "compare_at_price": "30.00",
            "currency": "USD",
            "availability": "in_stock",
            "options": {"Colour": "Blue"},
        }
    ]
    assert len(body["images"]) == 2
    image = body["images"][0]
    # A private photo: served by the view that checks the merchant, under the merchant's random folder
    prefix = f"http://testserver/files/{product_with_photos.merchant.media_key}/images/"
    assert image["url"].startswith(prefix) and image["url"].endswith(".jpg")
    assert (image["width"], image["height"], image["status"]) == (320, 240, "ready")


def test_a_product_is_found_by_id_or_by_any_of_its_skus(api, merchant):
    product, _ = product_upsert(
        merchant=merchant,
        key="tee",
        title="Tee",
        variants=[
            VariantFields(sku="TEE-S", price=Decimal("10"), currency="USD"),
            VariantFields(sku="TEE-M", price=Decimal("10.5"), currency="USD"),
        ],
    )
    for ref in (str(product.pk), "TEE-S", "TEE-M", f"id:{product.pk}", "sku:TEE-S"):
        response = api.get(f"/api/v1/products/{ref}")
        assert response.status_code == 200, (ref, response.content)
        assert response.json()["id"] == product.pk
    assert [v["price"] for v in api.get("/api/v1/products/TEE-S").json()["variants"]] == ["10.00", "10.50"]
    _error(api.get("/api/v1/products/NOPE-1"), 404, "not_found")
    _error(api.get("/api/v1/products/999999"), 404, "not_found")
    _error(api.get("/api/v1/products/id:TEE-S"), 404, "not_found")


def test_a_numeric_sku_that_is_also_another_products_id_must_be_disambiguated(api, merchant):
    first = _product(merchant, "A-1")
    numeric = _product(merchant, str(first.pk))  # its SKU is the first product's id
    error = _error(api.get(f"/api/v1/products/{first.pk}"), 400, "validation_error")
    assert f"id:{first.pk}" in error["fields"]["ref"][0]
    assert api.get(f"/api/v1/products/id:{first.pk}").json()["id"] == first.pk
    assert api.get(f"/api/v1/products/sku:{first.pk}").json()["id"] == numeric.pk


def test_patch_changes_the_editable_fields(api, product_with_photos):
    response = api.patch(
        "/api/v1/products/MUG-1", {"title": "Big Mug", "brand": "Acme", "status": "draft"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["status"]) == ("Big Mug", "draft")
    product_with_photos.refresh_from_db()
    assert (product_with_photos.title, product_with_photos.brand, product_with_photos.status) == (
        "Big Mug",
        "Acme",
        "draft",
    )


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": "", "status": "gone"}, {"title", "status"}),
        ({"title": "x" * 501}, {"title"}),
        ({"price": "1.00", "title": "Cheap"}, {"price"}),
    ],
)
def test_patch_validation_errors_name_each_field_and_change_nothing(api, product_with_photos, payload, fields):
    error = _error(
        api.patch(f"/api/v1/products/{product_with_photos.pk}", payload, format="json"), 400, "validation_error"
    )
    assert set(error["fields"]) == fields
    assert all(name in error["message"] for name in fields)
    product_with_photos.refresh_from_db()
    assert product_with_photos.title == "Ceramic Mug" and product_with_photos.status == "active"


def test_delete_archives_and_returns_the_product(api, product_with_photos):
    response = api.delete("/api/v1/products/MUG-1")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    assert Product.objects.get(pk=product_with_photos.pk).status == "archived"
    assert api.get("/api/v1/products").json()["results"] == []
    assert api.delete("/api/v1/products/MUG-1").json()["status"] == "archived"  # again: still there, still archived


def test_photos_are_uploaded_each_reported_on_its_own(api, product_with_photos):
    first_photo = factories.photo_bytes(seed=0, colour=(0, 90, 160))  # what the fixture stored first
    files = [
        SimpleUploadedFile("front.jpg", factories.photo_bytes(seed=7, colour=(10, 200, 10))),
        SimpleUploadedFile("side.png", factories.photo_bytes(seed=8, fmt="PNG")),
        SimpleUploadedFile("notes.txt", b"not a photo at all"),
        SimpleUploadedFile("again.jpg", first_photo),
    ]
    response = api.post("/api/v1/products/MUG-1/images", {"files": files}, format="multipart")
    assert response.status_code == 201, response.content
    report = response.json()
    assert [item["file"] for item in report["added"]] == ["front.jpg", "side.png"]
    assert all(item["image"]["url"].startswith("http://testserver/files/") for item in report["added"])
    assert report["duplicates"] == [{"file": "again.jpg", "message": "the product already has this photo"}]
    assert [item["file"] for item in report["rejected"]] == ["notes.txt"]
    assert "not a readable image" in report["rejected"][0]["message"]
    assert "BytesIO" not in report["rejected"][0]["message"] and "0x" not in report["rejected"][0]["message"]
    assert product_with_photos.images.count() == 4


def test_an_upload_without_files_or_with_only_bad_ones_is_400(api, product_with_photos):
    error = _error(api.post("/api/v1/products/MUG-1/images", {}, format="multipart"), 400, "validation_error")
    assert "`files`" in error["fields"]["files"][0]
    bad = SimpleUploadedFile("notes.txt", b"not a photo at all")
    error = _error(
        api.post("/api/v1/products/MUG-1/images", {"files": [bad]}, format="multipart"), 400, "validation_error"
    )
    assert error["fields"]["files"][0].startswith("notes.txt: not a readable image")
    _error(api.post("/api/v1/products/MUG-1/images", {"files": "x"}, format="json"), 415, "unsupported_media_type")
    too_many = [SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(101)]
    error = _error(
        api.post("/api/v1/products/MUG-1/images", {"files": too_many}, format="multipart"), 400, "validation_error"
    )
    assert error["fields"]["files"] == ["Send at most 100 files per request; split the upload."]
    assert product_with_photos.images.count() == 2


# --- tenancy and authentication ---------------------------------------------------------------------------------


def _acme_routes(product, record):
    photo = SimpleUploadedFile("p.jpg", factories.photo_bytes(seed=3))
    return [
        ("get", f"/api/v1/catalog/imports/{record.pk}", None, None),
        ("get", f"/api/v1/products/{product.pk}", None, None),
        ("get", "/api/v1/products/MUG-1", None, None),
        ("get", "/api/v1/products/sku:MUG-1", None, None),
        ("patch", f"/api/v1/products/{product.pk}", {"title": "Pwned"}, "json"),
        ("patch", "/api/v1/products/MUG-1", {"title": "Pwned"}, "json"),
        ("delete", f"/api/v1/products/{product.pk}", None, None),
        ("delete", "/api/v1/products/MUG-1", None, None),
        ("post", "/api/v1/products/MUG-1/images", {"files": [photo]}, "multipart"),
        ("post", f"/api/v1/products/{product.pk}/images", {"files": [photo]}, "multipart"),
    ]


def test_another_merchants_ids_and_skus_are_404_and_leak_nothing(other_api, merchant, product_with_photos):
    record = CatalogImport.objects.create(merchant=merchant, source="acme-secret.csv")
    for method, url, data, fmt in _acme_routes(product_with_photos, record):
        response = getattr(other_api, method)(url, data, format=fmt) if data else getattr(other_api, method)(url)
        error = _error(response, 404, "not_found")
        assert "MUG-1" not in str(error) and "Ceramic" not in str(error) and "acme" not in str(error), url
    product_with_photos.refresh_from_db()
    assert (product_with_photos.title, product_with_photos.status) == ("Ceramic Mug", "active")
    assert product_with_photos.images.count() == 2
    assert other_api.get("/api/v1/products").json()["results"] == []
    assert other_api.get("/api/v1/products?q=mug&status=archived").json()["results"] == []
    assert other_api.get("/api/v1/catalog/imports").json()["results"] == []


def test_without_credentials_every_route_is_401_with_the_error_shape(merchant, product_with_photos):
    record = CatalogImport.objects.create(merchant=merchant, source="feed.csv")
    client = APIClient()
    routes = [
        ("get", "/api/v1/catalog/imports", None, None),
        ("post", "/api/v1/catalog/imports", {"url": "https://example.com/feed.csv"}, "json"),
        ("get", "/api/v1/products", None, None),
        *_acme_routes(product_with_photos, record),
    ]
    for method, url, data, fmt in routes:
        response = getattr(client, method)(url, data, format=fmt) if data else getattr(client, method)(url)
        _error(response, 401, "authentication_failed")
        assert response["WWW-Authenticate"] == "Api-Key"
    assert not CatalogImport.objects.exclude(pk=record.pk).exists()
    assert Product.objects.get().title == "Ceramic Mug"
