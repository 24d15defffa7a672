"""HTML pages: home, explorer and embed (htmx fragments for every click)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from engine import PRESETS

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, "home.html", {"presets": list(PRESETS.values())})  # type: ignore[no-any-return]


async def validation_error_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    msgs = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    )
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", {"message": msgs}, status_code=422
    )
