"""Practice pages: the explorer's steps as questions (issue 13). Every answer is the learner's
own record, carried in the address (``record.py``); the server keeps no session.

    GET  /practice/{preset}?at=&fade=&set=&score=…     a preset's iteration as questions
    GET  /practice?s=&at=&…                             any explorer state ("Practise this")
    POST /practice/check                                judge the typed answer(s)
    POST /practice/help                                 level=numbers | answer
    GET  /embed/practice/{preset}, /embed/practice?s=   the same in an iframe (no site chrome;
    POST /embed/practice/check, /embed/practice/help     progress messages to the parent)

A frame takes the explorer embed's options (``explorer/embed_options.py``, docs/EMBED.md):
from/to/phases lock it to some steps (only they are asked; any other step answers 403), hide=
leaves parts out (a hidden "view" control's request answers 403), caption, panels (diagram,
timeline; the question is always shown). Every address and form of the frame carries them.

A request from htmx gets the ``#practice`` fragment and the new address in ``HX-Replace-Url``;
any other gets the full page (GET) or a redirect to the new address (POST), so every form works
without JavaScript. An answer that is not a number answers 422 with the message in place.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import PRESETS

from ..caches import TraceBundle
from ..explorer import pages
from ..explorer.codec import StateError
from ..explorer.embed import EmbedFrame, EmbedOptions
from ..explorer.embed_options import OptionError
from ..explorer.state import PageState, load, preset_state
from . import build
from .record import RecordError

router = APIRouter(include_in_schema=False)

SITE = build.Where("", "/practice")
FRAME = build.Where("", "/embed/practice")


def _where(request: Request, embed: bool) -> build.Where:
    if embed:
        return build.Where(pages.root(request), FRAME.prefix, request.state.practice_frame)
    return build.Where(pages.root(request), SITE.prefix)


def _error(request: Request, message: str, status: int, embed: bool) -> HTMLResponse:
    if embed:
        opts = getattr(request.state, "practice_frame", EmbedOptions())
        return EmbedFrame(opts).error(request, message, status)
    return pages.SITE.error(request, message, status)


def _framed(request: Request, params: Mapping[str, str], embed: bool) -> HTMLResponse | None:
    """A frame's options read into ``request.state.practice_frame``; else the page saying
    which cannot be read (400), or that the frame refuses the request (403)."""
    if not embed:
        return None
    try:
        opts = EmbedOptions.from_params(params)
    except OptionError as e:
        return _error(request, f"This embed's address has a problem: {e}.", 400, embed)
    request.state.practice_frame = opts
    if params.get("refade") and opts.hides("view"):
        why = "This embedded practice does not offer the choice of which steps are asked."
        return _error(request, why, 403, embed)
    return None


def _read(
    request: Request, state: PageState, params: Mapping[str, str], embed: bool, problem: str
) -> build.Page | HTMLResponse:
    """The page's record read against the state's trace (the app's cached one); else the page
    saying what is wrong with it (``problem``: the record's, 422), with the frame's options
    (400) or that a locked frame refuses the step (403)."""
    gran, _ = pages.effective_granularity(state, request.app.state.settings)

    def bundle_of(st: PageState, granularity: str) -> TraceBundle:
        return pages.trace_bundle(request, st, granularity)

    frame = request.state.practice_frame if embed else None
    try:
        return build.read_page(state, params, gran, bundle_of, frame)
    except RecordError as e:
        return _error(request, f"{problem}: {e}.", 422, embed)
    except OptionError as e:
        return _error(request, f"This embed's address has a problem: {e}.", 400, embed)
    except build.Outside as e:
        return _error(request, f"{e}.", 403, embed)


def respond(
    request: Request,
    page: build.Page,
    embed: bool,
    *,
    status: int = 200,
    changed: bool = False,
    report: str = "",
    checked: bool = False,
) -> Response:
    """The page for htmx (a fragment, the address replaced), a full page, or after a change
    without htmx a redirect to the new address (post, redirect, get). ``checked``: a Check
    that counted nothing, whose fields are all judged (an empty one says so)."""
    where = _where(request, embed)
    v = build.view(page, where, report=report, checked=checked)
    htmx = pages.is_htmx(request)
    if changed and not htmx and status == 200:
        resp: Response = RedirectResponse(v.url, status_code=303)
    else:
        name = "_practice.html" if htmx else ("practice_embed.html" if embed else "practice.html")
        context = {"v": v, "fragment": htmx, "site": pages.root(request)}
        resp = pages.render(request, name, context, status)
        if htmx:
            resp.headers["HX-Replace-Url"] = v.url if status == 200 else "false"
    resp.headers["Vary"] = "HX-Request"
    return resp


def _open(request: Request, state: PageState, params: Mapping[str, str], embed: bool) -> Response:
    page = _read(request, state, params, embed, "This practice address has a problem")
    if isinstance(page, HTMLResponse):
        return page
    return respond(request, page, embed, changed=bool(params.get("refade")))


def _preset(request: Request, preset_id: str, embed: bool) -> Response:
    if (refused := _framed(request, request.query_params, embed)) is not None:
        return refused
    if preset_id not in PRESETS:
        examples = ", ".join(PRESETS)
        message = f"There is no example called “{preset_id[:40]}”. The examples are: {examples}."
        return _error(request, message, 404, embed)
    return _open(request, preset_state(preset_id), request.query_params, embed)


def _state(request: Request, embed: bool) -> Response:
    params = request.query_params
    if (refused := _framed(request, params, embed)) is not None:
        return refused
    s = params.get("s")
    if not s:
        if embed:
            message = "This address has no state: use /embed/practice/<example>"
            return _error(request, message, 400, True)
        return RedirectResponse(pages.root(request) + "/", status_code=303)
    try:
        state = load(s)
    except StateError as e:
        return _error(request, f"This link cannot be opened: {e}.", 400, embed)
    return _open(request, state, params, embed)


@router.get("/practice/{preset_id}")
def practice_preset(request: Request, preset_id: str) -> Response:
    return _preset(request, preset_id, False)


@router.get("/practice")
def practice_state(request: Request) -> Response:
    return _state(request, False)


@router.get("/embed/practice/{preset_id}")
def embed_practice_preset(request: Request, preset_id: str) -> Response:
    return _preset(request, preset_id, True)


@router.get("/embed/practice")
def embed_practice_state(request: Request) -> Response:
    return _state(request, True)


async def _posted(request: Request, embed: bool, act: str) -> Response:
    async with request.form() as form:
        params = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_act, request, params, embed, act)


def _act(request: Request, params: dict[str, str], embed: bool, act: str) -> Response:
    if (refused := _framed(request, params, embed)) is not None:
        return refused
    try:
        state = load(params.get("s") or "")
    except StateError as e:
        return _error(request, f"This page's state cannot be read: {e}.", 400, embed)
    page = _read(request, state, params, embed, "This practice page's record has a problem")
    if isinstance(page, HTMLResponse):
        return page
    try:
        if act == "check":
            after, readable = build.check(page)
        else:
            after, readable = build.help_with(page, params.get("level", "")), True
    except RecordError as e:
        return _error(request, f"This practice page's record has a problem: {e}.", 422, embed)
    if not readable:  # nothing counted: the message beside the field, the rest as it was
        return respond(request, page, embed, status=422, checked=True)
    report = build.report_after(page, after)
    return respond(request, after, embed, changed=True, report=report)


@router.post("/practice/check")
async def practice_check(request: Request) -> Response:
    return await _posted(request, False, "check")


@router.post("/practice/help")
async def practice_help(request: Request) -> Response:
    return await _posted(request, False, "help")


@router.post("/embed/practice/check")
async def embed_practice_check(request: Request) -> Response:
    return await _posted(request, True, "check")


@router.post("/embed/practice/help")
async def embed_practice_help(request: Request) -> Response:
    return await _posted(request, True, "help")
