"""Fleet mode: the web app, a CPU worker, a render worker and a DiT worker as separate processes on a bucket (the
tests' S3 server), each with its own empty MEDIA_ROOT, PRIVATE_MEDIA_ROOT and scratch folder (fleet_harness.py).
A client imports a catalog whose photos a local HTTP server serves, makes a presenter, and renders a showcase on
the CPU engine (`render --wait`, which prints URLs), a DiT video on the tiny model, a presenter video and a live
room; every output is downloaded through the URL the API (or the playlist) gives and probed. Then nothing may be
stored on any process's own disk, and every scratch file must be an object of the bucket.

Runs once in `make test` (marked fleet: the RabbitMQ and embedded reruns leave it out).
"""

from __future__ import annotations

import http.server
import io
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlparse

import av
import pytest
import requests
from django.conf import settings
from PIL import Image

from generation.models import RenderJob
from generation.provenance.reading import manifest_summary
from shop_video.api.services import api_key_create
from shop_video.live.models import LiveSegment
from tests import factories
from tests.e2e.fleet_harness import SHORT_SIDE, Fleet, fleet_isolation_problems, fleet_running, scratch_copies
from tests.e2e.worker import queues_purge
from tests.media_probe import probe_video
from tests.s3_server import S3Server

pytestmark = [pytest.mark.e2e, pytest.mark.fleet, pytest.mark.django_db(transaction=True)]

PHOTO_SIZE = (320, 240)
PRODUCTS = {"MUG-1": ((200, 40, 40), (40, 90, 160)), "LIVE-A": ((30, 170, 60),)}  # sku -> its photos' colours
HOST_TEMPLATE = {
    "slug": "fleet-host",
    "name": "Fleet host",
    "spec": {
        "fps": 24,
        "music": False,
        "scenes": [
            {"type": "presenter", "duration": 2.0, "layout": "full", "script": "{{ product.title }}!"},
            {"type": "price_card", "duration": 1.0},
        ],
    },
}


class _PhotoHandler(http.server.BaseHTTPRequestHandler):
    photos: dict[str, bytes] = {}

    def do_GET(self):
        body = self.photos.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def photo_server():
    """The merchant's shop, serving each product's photos (the fleet's settings allow 127.0.0.1 for fetches)."""
    photos = {
        f"/p/{sku.lower()}-{n}.jpg": factories.photo_bytes(width=PHOTO_SIZE[0], height=PHOTO_SIZE[1], colour=c, seed=n)
        for sku, colours in PRODUCTS.items()
        for n, c in enumerate(colours)
    }
    handler = type("Handler", (_PhotoHandler,), {"photos": photos})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", photos
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def s3():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    server = S3Server.start()
    yield server
    server.stop()


class Client:
    """The merchant's API client against the web process, over HTTP."""

    def __init__(self, fleet: Fleet, key: str):
        self.fleet, self.base, self.session = fleet, fleet.web_url, requests.Session()
        self.session.headers["Authorization"] = f"Api-Key {key}"

    def call(self, method: str, path: str, expect: int = 200, **kwargs) -> dict:
        response = self.session.request(method, urljoin(self.base, path), timeout=60, **kwargs)
        if response.status_code >= 500:  # the web process's traceback says more than its error page
            raise AssertionError(f"{method} {path}: {response.status_code}\n{self.fleet.processes['web'].log_tail()}")
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json() if response.content else {}

    def wait(self, path: str, done: Callable[[dict], bool], *, timeout: float, what: str, fleet: Fleet) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.call("GET", path)
            if done(body):
                return body
            time.sleep(0.5)
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}: {body}\n{fleet.logs()}")


def download(url: str, into: Path, *, session: requests.Session | None = None) -> Path:
    """What a client does with a URL it was given: GET it (following a redirect to the bucket), keep the bytes."""
    response = (session or requests).get(url, timeout=60)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:500]}"
    into.parent.mkdir(parents=True, exist_ok=True)
    into.write_bytes(response.content)
    return into


def _rendition_check(output: dict, into: Path, *, size: tuple[int, int], ai: bool) -> None:
    video = download(output["url"], into / "video.mp4")
    probe = probe_video(video)
    assert (probe.video_codec, probe.pix_fmt, probe.audio_codec) == ("h264", "yuv420p", "aac"), probe
    assert (probe.width, probe.height) == size and probe.faststart, probe
    assert abs(probe.duration - output["duration"]) <= 0.1 and probe.frames_decoded > 0, (probe, output)
    summary = manifest_summary(str(video))  # signed on the render worker, before its upload
    assert summary["valid"] and summary["ai_generated"] == ai, summary
    with Image.open(download(output["poster_url"], into / "poster.jpg")) as poster:
        assert poster.size == size
    with Image.open(download(output["preview_url"], into / "preview.webp")) as preview:
        assert preview.format == "WEBP" and preview.n_frames > 1
    if output.get("captions"):
        assert download(output["captions"], into / "captions.vtt").read_bytes().startswith(b"WEBVTT")


def _render_succeeded(client: Client, fleet: Fleet, render_id: int, timeout: float = 300) -> dict:
    body = client.wait(
        f"/api/v1/renders/{render_id}",
        lambda b: b["status"] in ("succeeded", "failed", "cancelled"),
        timeout=timeout,
        what=f"render {render_id}",
        fleet=fleet,
    )
    assert body["status"] == "succeeded", f"render {render_id}: {body['error']}\n{fleet.logs()}"
    return body


def _catalog_import(client: Client, fleet: Fleet, shop_url: str, photos: dict[str, bytes], into: Path) -> None:
    rows = ["sku,title,price,currency,images"]
    for sku in PRODUCTS:
        urls = "|".join(f"{shop_url}{path}" for path in photos if path.startswith(f"/p/{sku.lower()}-"))
        rows.append(f"{sku},{'Ceramic Mug' if sku == 'MUG-1' else 'Green Lamp'},24.00,USD,{urls}")
    feed = ("\n".join(rows) + "\n").encode()
    created = client.call("POST", "/api/v1/catalog/imports", 202, files={"file": ("feed.csv", feed, "text/csv")})
    report = client.wait(
        f"/api/v1/catalog/imports/{created['id']}",
        lambda b: b["status"] in ("succeeded", "failed"),
        timeout=120,
        what="the import",
        fleet=fleet,
    )
    assert report["status"] == "succeeded" and report["counts"]["created"] == len(PRODUCTS), report
    for sku, colours in PRODUCTS.items():
        product = client.wait(
            f"/api/v1/products/{sku}",
            lambda b: b["images"] and all(image["status"] != "pending" for image in b["images"]),
            timeout=120,
            what=f"{sku}'s photos",
            fleet=fleet,
        )
        assert [image["status"] for image in product["images"]] == ["ready"] * len(colours), product["images"]
        for image in product["images"]:  # a private file: /files/ checks the key, then hands over the bucket's copy
            saved = download(image["url"], into / f"{sku}-{image['id']}.jpg", session=client.session)
            with Image.open(saved) as photo:
                assert (photo.width, photo.height) == (image["width"], image["height"])


def _live_room_check(client: Client, fleet: Fleet, into: Path) -> None:
    command = f"create_live_room --merchant acme --skus LIVE-A --template {HOST_TEMPLATE['slug']}"
    stream_path = fleet.manage(*command.split(), "--short-side", str(SHORT_SIDE)).split()[-1]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        failed = LiveSegment.objects.filter(status=LiveSegment.Status.FAILED).first()
        assert failed is None, f"the live segment failed: {failed.error}\n{fleet.logs()}"
        playlist = requests.get(urljoin(fleet.web_url, stream_path), timeout=30)
        if playlist.status_code == 200:
            break
        assert playlist.status_code == 503, playlist.text  # still rendering
        time.sleep(1)
    else:
        raise AssertionError(f"the live room never played\n{fleet.logs()}")
    chunk_urls = [
        urljoin(playlist.url, line) for line in playlist.text.splitlines() if line and not line.startswith("#")
    ]
    assert chunk_urls, playlist.text
    bucket = urlparse(fleet.server.endpoint_url).netloc
    assert all(urlparse(url).netloc == bucket for url in chunk_urls), chunk_urls  # chunks come from storage
    durations = [float(value) for value in re.findall(r"#EXTINF:([\d.]+)", playlist.text)]
    joined = b"".join(download(url, into / f"chunk-{n}.ts").read_bytes() for n, url in enumerate(chunk_urls))
    with av.open(io.BytesIO(joined)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= round(sum(durations) * 24) - 24, (frames, durations)


def _tasks_run(process) -> set[str]:
    """The names of the tasks a process ran, from its worker log ("Task NAME[id] succeeded in ...")."""
    return set(re.findall(r"Task ([\w.]+)\[[\w-]+\] succeeded", process.log.read_text(errors="replace")))


def test_web_and_workers_on_separate_disks_share_only_the_bucket(
    merchant, builtin_templates, tiny_dit_dirs, photo_server, s3, tmp_path
):
    started = time.monotonic()
    queues_purge()
    _, key = api_key_create(merchant=merchant, name="fleet")
    shop_url, photos = photo_server
    downloads = tmp_path / "client"
    with fleet_running(root=tmp_path / "hosts", server=s3, dit_models={"ltx": str(tiny_dit_dirs["ltx"])}) as fleet:
        ready_at = time.monotonic()
        client = Client(fleet, key)
        _catalog_import(client, fleet, shop_url, photos, downloads / "photos")

        presenter = client.call(
            "POST",
            "/api/v1/presenters",
            201,
            data={"name": "Host"},
            files={"avatar": ("host.jpg", factories.portrait_bytes(), "image/jpeg")},
        )
        download(presenter["avatar"], downloads / "presenter.jpg", session=client.session)
        client.call("POST", "/api/v1/templates", 201, json=HOST_TEMPLATE)

        dit = client.call(
            "POST",
            "/api/v1/renders",
            202,
            json={
                "template": "quick-bumper",
                "sku": "MUG-1",
                "engine": "dit",
                "family": "ltx",
                "aspect_ratios": ["1:1"],
            },
        )
        host = client.call(
            "POST",
            "/api/v1/renders",
            202,
            json={"template": HOST_TEMPLATE["slug"], "sku": "MUG-1", "aspect_ratios": ["9:16"]},
        )
        # The operator's command line on the web host: with object storage it prints a URL per rendition.
        command = "render --merchant acme --template product-showcase --sku MUG-1 --aspect 9:16 --wait --timeout 300"
        printed = fleet.manage(*command.split(), "--short-side", str(SHORT_SIDE)).splitlines()
        showcase_url = printed[-1]
        assert urlparse(showcase_url).netloc == urlparse(s3.endpoint_url).netloc, printed  # the bucket's URL
        probe = probe_video(download(showcase_url, downloads / "showcase.mp4"))
        assert (probe.width, probe.height, probe.video_codec) == (SHORT_SIDE, 228, "h264") and probe.faststart, probe
        showcase_job = RenderJob.objects.get(template__slug="product-showcase")
        showcase = _render_succeeded(client, fleet, showcase_job.pk)  # the API's URLs for the same files
        assert urlparse(showcase["outputs"][0]["url"]).path == urlparse(showcase_url).path
        _rendition_check(showcase["outputs"][0], downloads / "showcase", size=(SHORT_SIDE, 228), ai=False)

        dit = _render_succeeded(client, fleet, dit["renders"][0]["id"])
        _rendition_check(dit["outputs"][0], downloads / "dit", size=(SHORT_SIDE, SHORT_SIDE), ai=True)
        host = _render_succeeded(client, fleet, host["renders"][0]["id"])
        _rendition_check(host["outputs"][0], downloads / "host", size=(SHORT_SIDE, 228), ai=False)

        _live_room_check(client, fleet, downloads / "live")
        flows_done = time.monotonic()

    # Each worker did its own part: shots on the CPU and DiT hosts, assemblies and cuts on the render host.
    ran = {name: _tasks_run(process) for name, process in fleet.processes.items()}
    assert {"generation.tasks.shot_render"} == ran["dit"], ran
    assert {"generation.tasks.shot_render", "catalog.tasks.catalog_import_process"} <= ran["cpu"], ran
    assert {"generation.tasks.render_job_assemble", "shop_video.live.tasks.live_segment_cut"} <= ran["render"], ran
    assert "generation.tasks.shot_render" not in ran["render"] and not ran["web"], ran
    # Not a vacuous check below: the workers did work from local copies of the bucket's files.
    for name in ("cpu", "render", "dit"):
        assert scratch_copies(fleet.processes[name]), f"{name}'s scratch folder is empty"
    problems = fleet_isolation_problems(fleet)
    # This process (the client) stored nothing either: its own media folders are empty.
    problems += [
        f"the test process stored {p}"
        for root in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
        for p in Path(root).rglob("*")
        if p.is_file()
    ]
    assert problems == [], "\n".join(problems)
    print(
        f"\nfleet: ready in {ready_at - started:.0f} s, flows in {flows_done - ready_at:.0f} s, "
        f"total {time.monotonic() - started:.0f} s; {len(fleet.server.keys(fleet.bucket))} objects in the bucket"
    )
