"""Where an export's scenario comes from: a page's link (``?s=``), a preset's id (``?preset=``)
for a preset's page, which has no ``s``, or a REST body (the API's scenario).

A link that cannot be read, an unknown preset or neither answers a 4xx page naming the
parameter and the rule, as the explorer's own links do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from engine import PRESETS, Scenario

from ..api.routes import SCENARIO_BODY, VALIDATION_ERROR, engine_scenario, scenario_body
from ..explorer import pages
from ..explorer.codec import StateError
from ..explorer.state import PageState, load, preset_state

PYTHON = "text/x-python; charset=utf-8"


class SourceError(Exception):
    """The request names no scenario this export can read: the page to answer with."""

    def __init__(self, response: HTMLResponse) -> None:
        self.response = response


def page_state(request: Request, s: str | None, preset: str | None) -> PageState:
    """The state of ``?s=`` (a page's link), else of ``?preset=`` as the preset starts."""
    if s:
        try:
            return load(s)
        except StateError as e:
            message = f"s: this link cannot be read: {e}."
            raise SourceError(pages.error_page(request, message, 400)) from None
    if preset is None:
        raise SourceError(
            pages.error_page(
                request, "Give s (a page's link state) or preset (an example's id).", 400
            )
        )
    if preset not in PRESETS:
        known = ", ".join(PRESETS)
        raise SourceError(
            pages.error_page(
                request,
                f"preset: there is no example called “{preset}”; the examples are {known}.",
                404,
            )
        )
    return preset_state(preset)


async def body_scenario(request: Request) -> Scenario:
    """The REST body's scenario, or the API's 422 naming the field and the rule."""
    return engine_scenario(await scenario_body(request))


def filename(title: str, suffix: str) -> str:
    """A file name from a title: "Example: 2-2-2 sigmoid" → example-2-2-2-sigmoid.py"""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return (slug or "backprop") + suffix


def download(text: str, media_type: str, name: str, *, inline: bool = False) -> Response:
    """A file answer; the name is ASCII letters, digits and dashes, so the header is safe."""
    how = "inline" if inline else "attachment"
    return Response(
        text, media_type=media_type, headers={"Content-Disposition": f'{how}; filename="{name}"'}
    )


def script_routes(
    router: APIRouter, name: str, make: Callable[[Scenario], str], summary: str
) -> None:
    """GET /export/{name}?s=… (or ?preset=) and POST /api/export/{name}: a Python file."""

    @router.get(f"/export/{name}", include_in_schema=False)
    def from_page(request: Request, s: str | None = None, preset: str | None = None) -> Response:
        try:
            scenario = page_state(request, s, preset).scenario
        except SourceError as e:
            return e.response
        return download(make(scenario), PYTHON, filename(scenario.title, f"-{name}.py"))

    @router.post(
        f"/api/export/{name}",
        openapi_extra={**SCENARIO_BODY, "responses": {"200": {"content": {PYTHON: {}}}}},
        responses=VALIDATION_ERROR,
        response_class=Response,
        summary=summary,
        operation_id=f"export_{name}",
        tags=["export"],
    )
    async def from_body(request: Request) -> Response:
        scenario = await body_scenario(request)
        text = await run_in_threadpool(make, scenario)
        return download(text, PYTHON, filename(scenario.title, f"-{name}.py"))
