"""What every page route needs from the request: htmx or not, the root path, the templates and
the settings."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..settings import Settings


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def templates_of(request: Request) -> Any:
    return request.app.state.templates


def root(request: Request) -> str:
    """The prefix the app is served under (ROOT_PATH behind a proxy), for every URL we write."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    resp: HTMLResponse = templates_of(request).TemplateResponse(
        request, name, {**context, "root": root(request)}, status_code=status
    )
    return resp


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]
