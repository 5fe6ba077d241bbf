"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), with nothing remote.

FastAPI's own pages load their scripts, styles, icon and fonts from CDNs, so they are blank
without the internet. These are the same pages (FastAPI's `get_swagger_ui_html` and
`get_redoc_html`) pointing at copies served from this origin: the Swagger UI and ReDoc bundles
the `fastapi-offline` package ships (Swagger UI under Apache-2.0, ReDoc under MIT, as that
package's README records), served at exact paths under /docs/assets/ (`DOCS_PATHS`), which the
API-key check lets through as it does the pages. Like FastAPI's, the pages stay out of the
OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

DOCS, REDOC, OAUTH2_REDIRECT = "/docs", "/redoc", "/docs/oauth2-redirect"
ASSETS_PREFIX = "/docs/assets"
# Each served file of the package's static folder and its content type.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
DOCS_PATHS = frozenset({DOCS, REDOC, OAUTH2_REDIRECT, *(f"{ASSETS_PREFIX}/{name}" for name in ASSETS)})
STATIC = Path(fastapi_offline.__file__).parent / "static"
# Swagger UI sends the document to an online validator unless told not to.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


def add_docs_routes(app: FastAPI) -> None:
    """Serve /docs, its OAuth2 redirect page, /redoc and their assets. Build the app with
    `docs_url=None, redoc_url=None`, so that FastAPI's own pages do not take these paths."""
    missing = [name for name in ASSETS if not (STATIC / name).is_file()]
    if missing:
        raise RuntimeError(f"the docs assets {missing} are not in {STATIC}: reinstall fastapi-offline")

    def url(request: Request, path: str) -> str:
        # Behind a proxy that strips a path prefix, as FastAPI's own pages do.
        return request.scope.get("root_path", "").rstrip("/") + path

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=url(request, app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=url(request, OAUTH2_REDIRECT),
            swagger_js_url=url(request, f"{ASSETS_PREFIX}/swagger-ui-bundle.js"),
            swagger_css_url=url(request, f"{ASSETS_PREFIX}/swagger-ui.css"),
            swagger_favicon_url=url(request, f"{ASSETS_PREFIX}/favicon.png"),
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url=url(request, app.openapi_url or "/openapi.json"),
            title=f"{app.title} - ReDoc",
            redoc_js_url=url(request, f"{ASSETS_PREFIX}/redoc.standalone.js"),
            redoc_favicon_url=url(request, f"{ASSETS_PREFIX}/favicon.png"),
            with_google_fonts=False,
        )

    def serve(name: str) -> None:
        async def asset() -> FileResponse:
            # The bundles are megabytes and change only with the package: a browser keeps them a day.
            return FileResponse(
                STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
            )

        app.add_api_route(
            f"{ASSETS_PREFIX}/{name}", asset, methods=["GET"], include_in_schema=False, name=f"docs:{name}"
        )

    for name in ASSETS:
        serve(name)
