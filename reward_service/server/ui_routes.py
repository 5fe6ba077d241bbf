"""The score inspector: one page at /ui/ that calls /info and /score from the browser.

The page is three plain files shipped in the package (`ui/`): no build step and nothing
remote, so it works offline, and its Content-Security-Policy allows this origin only. The
files hold no data, so the API-key check lets exactly these paths through (`UI_PATHS`, in
`auth.OPEN_PATHS`): the page asks for the key and sends it with its own API calls. The routes
stay out of the OpenAPI spec, which describes the JSON API.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response

PREFIX = "/ui"
# Each served file and its content type; the page itself is the folder's index.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "ui.css": "text/css; charset=utf-8",
    "ui.js": "text/javascript; charset=utf-8",
}
PAGE = "index.html"
UI_PATHS = frozenset({PREFIX, f"{PREFIX}/", *(f"{PREFIX}/{name}" for name in FILES if name != PAGE)})

# Scripts, styles and API calls from this origin only; no inline code, no frames, no forms
# sent anywhere. The icon is an empty data: URL, so the browser asks for no /favicon.ico.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Small files that change with the package: revalidate rather than serve a stale page.
    "Cache-Control": "no-cache",
}


def add_ui_routes(app: FastAPI) -> None:
    """Serve the inspector at /ui/ (and redirect /ui there). The files are read once, here."""
    folder = resources.files(__package__ or "reward_service.server") / "ui"
    contents = {name: (folder / name).read_bytes() for name in FILES}

    @app.get(PREFIX, include_in_schema=False)
    async def ui_redirect() -> RedirectResponse:
        # Relative, like every link in the page, so the page also works behind a path prefix.
        return RedirectResponse("ui/")

    def serve(name: str) -> None:
        async def asset() -> Response:
            return Response(contents[name], media_type=FILES[name], headers=HEADERS)

        path = f"{PREFIX}/" if name == PAGE else f"{PREFIX}/{name}"
        app.add_api_route(path, asset, methods=["GET"], include_in_schema=False, name=f"ui:{name}")

    for name in FILES:
        serve(name)
