"""The Jinja2 environment the pages share, and the service's own pages (/healthz, /docs)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates

from engine.activations import ACTIVATIONS
from engine.losses import LOSSES

from .render import formatting
from .settings import Settings

router = APIRouter(include_in_schema=False)


def templates(settings: Settings) -> Jinja2Templates:
    t = Jinja2Templates(directory=str(settings.templates_dir))
    # templates are read once a process: a click's dozen includes would each look at their
    # file's time again (a restart, as after any change to the code, reads them anew)
    t.env.auto_reload = False
    t.env.globals["static_url"] = static_url
    t.env.globals["count"] = formatting.count
    t.env.globals["rule_title"] = rule_title
    return t


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def static_url(request: Request, path: str) -> str:
    """A file under /static as a path from the host's root (the sub-path included): not
    url_for's absolute URL, whose scheme is http behind a TLS proxy whose headers the server
    does not trust, which an https page would then refuse to load. ``?v=`` names the file's
    content, so a browser never keeps an old script or style sheet after an upgrade."""
    file: Path = request.app.state.settings.static_dir / path
    try:
        stamp = file.stat()
    except OSError:  # a missing file: its request will say so
        return f"{_root(request)}/static/{path}"
    version = _content_version(file, stamp.st_mtime_ns, stamp.st_size)
    return f"{_root(request)}/static/{path}?v={version}"


@functools.lru_cache(maxsize=128)
def _content_version(file: Path, mtime_ns: int, size: int) -> str:
    """The hash of the file's content, read again when its time or size changes."""
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


# HEAD too: uptime monitors often ask with it
@router.api_route("/healthz", methods=["GET", "HEAD"])
async def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    page: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, "docs.html", {"swagger": _swagger_assets(settings.static_dir)}
    )
    return page


def _swagger_assets(static_dir: Path) -> dict[str, str]:
    folder = static_dir / "swagger"
    js = sorted(folder.glob("swagger-ui-bundle-*.js"))[-1].name
    css = sorted(folder.glob("swagger-ui-*.css"))[-1].name
    return {"js": f"swagger/{js}", "css": f"swagger/{css}"}


def rule_title(name: str) -> str:
    """An activation's or a loss's name and formula for a picker (leaky_relu → leaky ReLU, z if
    z > 0 else 0.01·z): the internal id is the option's value, never its text."""
    rule = ACTIVATIONS.get(name) or LOSSES.get(name)
    return rule.title if rule is not None and rule.title else name
