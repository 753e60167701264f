"""bench/embed_load.py's baseline: a WSGI app answering one constant JSON body (EMBED_CONSTANT_BODY, the bytes
of a real embed answer) with no framework, served by the same gunicorn configuration."""

import os

BODY = os.environ.get("EMBED_CONSTANT_BODY", '{"videos": []}').encode()
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", list(HEADERS))
    return [BODY]
