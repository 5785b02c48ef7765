"""Static files: the same for everyone, compressed once, immutable only at their own fingerprint."""

import gzip
import re

import brotli
import pytest

from app.config import PROJECT_ROOT

STATIC = PROJECT_ROOT / "app" / "static"
FILES = ["app.css", "app.js", "htmx-2.0.11.min.js"]


def _asset_urls(client):
    """{file name: its fingerprinted address}, as the layout links them."""
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/([^"?]+)\?v=[0-9a-f]+)"', html)
    return {name: url for url, name in links}


def test_every_asset_of_the_layout_is_fingerprinted(client):
    assert sorted(_asset_urls(client)) == sorted(FILES)


def test_static_files_do_not_depend_on_the_session(client, auth, seeded):
    auth.login()
    for url in _asset_urls(client).values():
        for query in ("", "&lang=km"):
            response = client.get(url + query, headers={"Accept-Encoding": "br, gzip"})
            assert response.status_code == 200
            assert "Cookie" not in response.headers.get("Vary", "")
            assert "Set-Cookie" not in response.headers
            assert response.headers["Vary"] == "Accept-Encoding"


def test_only_the_current_fingerprint_is_immutable(client):
    url = _asset_urls(client)["app.css"]
    current = client.get(url)
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Expires" not in current.headers

    stale = client.get("/static/app.css?v=000000")
    assert stale.status_code == 302
    assert stale.headers["Location"] == url
    assert "immutable" not in stale.headers["Cache-Control"]
    assert "max-age" not in stale.headers["Cache-Control"]

    bare = client.get("/static/app.css")
    assert bare.status_code == 200
    assert bare.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/app.css", headers={"If-None-Match": bare.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("filename", FILES)
@pytest.mark.parametrize(
    ("accepted", "encoding", "decompress"),
    [
        ("br, gzip", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("gzip;q=1, br;q=0.5", "gzip", gzip.decompress),
    ],
)
def test_static_files_are_sent_precompressed(client, filename, accepted, encoding, decompress):
    url = _asset_urls(client)[filename]
    response = client.get(url, headers={"Accept-Encoding": accepted})
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["ETag"].endswith(f'-{encoding}"')
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert decompress(response.data) == (STATIC / filename).read_bytes()


def test_without_accept_encoding_the_file_is_sent_as_it_is(client):
    url = _asset_urls(client)["htmx-2.0.11.min.js"]
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "htmx-2.0.11.min.js").read_bytes()
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_brotli_is_at_its_highest_quality(client):
    url = _asset_urls(client)["htmx-2.0.11.min.js"]
    response = client.get(url, headers={"Accept-Encoding": "br"})
    data = (STATIC / "htmx-2.0.11.min.js").read_bytes()
    assert len(response.data) == len(brotli.compress(data, quality=11))
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert len(gzipped.data) == len(gzip.compress(data, compresslevel=9, mtime=0))


def test_a_missing_static_file_is_the_usual_not_found_page(client):
    response = client.get("/static/nothing-here.css")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.get("/static/../app/__init__.py").status_code == 404
