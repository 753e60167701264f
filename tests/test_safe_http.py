import http.server
import threading

import pytest

from shop_video.safe_http import FetchFailed, FetchRefused, fetch_url
from tests import factories

PHOTO = factories.photo_bytes()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/photo.jpg":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PHOTO)))
            self.end_headers()
            self.wfile.write(PHOTO)
        elif self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/secret")
            self.end_headers()
        elif self.path == "/to-loopback":
            # The same server under another name: allowed as 127.0.0.1, not as localhost.
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/photo.jpg")
            self.end_headers()
        elif self.path == "/to-photo":
            self.send_response(301)
            self.send_header("Location", "/photo.jpg")
            self.end_headers()
        elif self.path == "/broken":
            self.send_response(503)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def allow_loopback(settings):
    settings.IMAGE_FETCH_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


def test_loopback_is_refused_unless_allowed(server):
    with pytest.raises(FetchRefused, match="resolves to 127.0.0.1, which is not a public address"):
        fetch_url(server + "/photo.jpg", max_bytes=10**6)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:10.0.0.1]/",
        "http://100.64.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
    ],
)
def test_private_link_local_cgnat_mapped_and_odd_ipv4_forms_are_refused(url):
    with pytest.raises(FetchRefused, match="not a public address"):
        fetch_url(url, max_bytes=1000)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x.jpg", "gopher://x"])
def test_only_http_and_https(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch_url(url, max_bytes=1000)


def test_fetches_follow_redirects_and_recheck_every_hop(server, allow_loopback):
    assert fetch_url(server + "/photo.jpg", max_bytes=10**6) == PHOTO
    assert fetch_url(server + "/to-photo", max_bytes=10**6) == PHOTO
    with pytest.raises(FetchRefused, match="10.0.0.1, which is not a public address"):
        fetch_url(server + "/to-private", max_bytes=10**6)
    with pytest.raises(FetchRefused, match=r"localhost resolves to (127\.0\.0\.1|::1), which is not a public address"):
        fetch_url(server + "/to-loopback", max_bytes=10**6)


def test_size_cap_and_status_codes(server, allow_loopback):
    with pytest.raises(FetchRefused, match="the limit is 100"):
        fetch_url(server + "/photo.jpg", max_bytes=100)
    with pytest.raises(FetchRefused, match="HTTP 404"):
        fetch_url(server + "/missing", max_bytes=1000)
    with pytest.raises(FetchFailed, match="HTTP 503"):
        fetch_url(server + "/broken", max_bytes=1000)


def test_a_host_name_that_cannot_be_encoded_is_a_fetch_failure_not_a_crash():
    from shop_video.safe_http import FetchFailed, checked_address

    with pytest.raises(FetchFailed, match="cannot resolve"):
        checked_address("x" * 64 + ".example", 80)  # a DNS label is at most 63 characters: IDNA refuses it
