"""Optional bearer-token API keys, checked before a request reaches any route.

Keys come from the settings (`api_keys`, e.g. REWARD_SERVICE_API_KEYS='["k1","k2"]') and/or a
file with one key per line (`api_key_file`). With no key configured, nothing is checked.
Probes (`/health`, `/ready`) and the API description (`/openapi.json`, and `/docs`, `/redoc`
and their assets: `docs_routes.DOCS_PATHS`) stay open; `/metrics` is open unless
`protect_metrics` is set. So are the inspector page and its assets
(`ui_routes.UI_PATHS`, exact paths): they hold no data, and the page must load for its user to
type the key that its API calls then carry.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from .docs_routes import DOCS_PATHS
from .errors import send_error
from .ui_routes import UI_PATHS

OPEN_PATHS = frozenset({"/health", "/ready", "/openapi.json"}) | DOCS_PATHS | UI_PATHS


def load_keys(keys: Iterable[str], key_file: Path | None) -> tuple[bytes, ...]:
    """All configured keys; blank lines and `#` comments in the file are ignored."""
    found = [key.strip() for key in keys if key.strip()]
    if key_file is not None:
        try:
            text = key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{key_file}: cannot read the API key file ({exc.strerror})") from exc
        found += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(key.encode() for key in found)


class ApiKeyAuth:
    """Answer 401 with `WWW-Authenticate: Bearer` unless the request carries a configured key."""

    def __init__(self, app: ASGIApp, keys: tuple[bytes, ...], protect_metrics: bool = False) -> None:
        self.app = app
        self.keys = keys
        self.open_paths = OPEN_PATHS if protect_metrics else OPEN_PATHS | {"/metrics"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.keys or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers", [])).get(b"authorization", b"")
        scheme, _, token = header.partition(b" ")
        if scheme.lower() == b"bearer" and self._known(token.strip()):
            await self.app(scope, receive, send)
            return
        problem = "missing" if not header else "not valid"
        message = f"API key {problem}: send the header 'Authorization: Bearer <key>'"
        challenge = [(b"www-authenticate", b'Bearer realm="reward_service"')]
        await send_error(send, 401, "unauthorized", message, challenge, path=scope["path"])

    def _known(self, token: bytes) -> bool:
        # Compare against every key, without stopping early, so timing reveals nothing.
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(token, key)
        return matched
