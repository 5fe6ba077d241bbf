"""/docs and /redoc work without the internet: every script, style and icon they load comes
from the server itself, answered with the right content type, API key or not."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from reward_service.config import Settings
from reward_service.server.app import create_app

PAGES = ("/docs", "/redoc")
# What each kind of asset must be served as (the media type, before any parameters).
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class References(HTMLParser):
    """Every URL a page loads: `src` and `href` attributes, and ReDoc's `spec-url`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href", "spec-url") and value]


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    # Swagger UI's inline script names the document as `url: '...'`.
    return parser.urls + re.findall(r"""\burl: ['"]([^'"]+)['"]""", html)


@pytest.fixture
def client() -> TestClient:
    # No model: these pages and files do not need one, and no lifespan runs.
    return TestClient(create_app(Settings(model=None)))


@pytest.mark.parametrize("page", PAGES)
def test_the_page_loads_nothing_from_another_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = references(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
    assert "http://" not in response.text and "https://" not in response.text


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_the_page_loads_is_served_with_its_content_type(client: TestClient, page: str) -> None:
    assets = [url for url in references(client.get(page).text) if url != "/openapi.json"]
    assert {url.rsplit(".", 1)[-1] for url in assets} >= ({"js", "css", "png"} if page == "/docs" else {"js", "png"})
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        media_type = response.headers["content-type"].split(";")[0]
        assert media_type == CONTENT_TYPES["." + url.rsplit(".", 1)[-1]], url
        assert len(response.content) > 1000, url  # the real file, not an error page
    # The bundles themselves, not just any JavaScript.
    scripts = {url: client.get(url).text for url in assets if url.endswith(".js")}
    assert any("SwaggerUIBundle" in text for text in scripts.values()) == (page == "/docs")
    assert any("Redoc" in text for text in scripts.values()) == (page == "/redoc")


def test_the_oauth2_redirect_page_is_served_and_local(client: TestClient) -> None:
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert references(response.text) == [] and "https://" not in response.text


def test_the_pages_and_assets_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]


def test_with_api_keys_the_pages_and_assets_need_none() -> None:
    client = TestClient(create_app(Settings(model=None, api_keys=["secret"])))
    assert client.post("/score", json={}).status_code == 401  # the key check is on
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        for url in references(response.text):
            assert client.get(url).status_code == 200, url
