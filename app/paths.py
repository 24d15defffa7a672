"""Where a request goes: the path inside the app (under ROOT_PATH or not), API call or page."""

from __future__ import annotations

from starlette.types import Scope


def app_path(scope: Scope) -> str:
    """The path inside the app: behind a proxy on a sub-path (ROOT_PATH) the server may pass
    the full path, /backprop/embed/…, which is the app's /embed/…."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def is_api(scope: Scope) -> bool:
    """A call to the REST API (/api and below; not a page such as /apiary)."""
    path = app_path(scope)
    return path == "/api" or path.startswith("/api/")


def is_embed(scope: Scope) -> bool:
    """A page made to be framed by other sites (/embed and below; not /embedded)."""
    path = app_path(scope)
    return path == "/embed" or path.startswith("/embed/")
