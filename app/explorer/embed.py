"""The explorer in an iframe, for course pages and LMSs (docs/EMBED.md).

    GET  /embed/{preset}?…           a preset as it starts
    GET  /embed?s=…&…                any state (the explorer's ``s``)
    GET  /embed/explore?s=&at=&…     the same (where the step buttons' form goes)
    GET  /embed/explore/view?…       granularity, precision or sample shown
    POST /embed/explore/{edit,architecture,finish,train,replay}

Options, as URL parameters:

    at           the step shown (−1 or left out: before the first step), as on /explore
    granularity  neuron | layer     } applied to the state when the embed opens; the controls
    decimals     0 … 15             } inside the frame change them afterwards
    panels       which parts show, comma-separated, in any order:
                 diagram, step, timeline, chart, edit, table  (default: diagram,step,timeline;
                 "all"; "none"); the step controls (next, previous, …) always show
    readonly     1: no edit controls, and /embed/explore/edit and /architecture answer 403
                 (training and "finish the iteration" stay: they are what the network does)

The embed runs the explorer's own actions (``app.explorer.pages``) with this module as their
presentation (``request.state.frame``): its forms post under ``/embed/explore/…`` and carry
``panels`` and ``readonly`` in hidden fields, and each answer sets the frame's URL to the
canonical one (``HX-Replace-Url``: the course page's Back button leaves the page rather than
stepping back through every click), so a reload inside the iframe restores it. No cookies.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from engine import GRANULARITIES, PRESETS

from ..render.diagram import Diagram
from ..render.formatting import MAX_DECIMALS, MIN_DECIMALS, is_whole
from . import pages
from .codec import StateError
from .state import PageState, load, origin_state, preset_state, url

router = APIRouter(include_in_schema=False)

PANELS = ("diagram", "step", "timeline", "chart", "edit", "table")
DEFAULT_PANELS = ("diagram", "step", "timeline")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
READONLY_MESSAGE = (
    "This embedded explorer is read-only: its weights and settings cannot be changed here. "
    "Open it in Backprop Explorer to experiment."
)


class OptionError(ValueError):
    """An embed option that cannot be read; the message names the parameter."""


@dataclass(frozen=True)
class EmbedOptions:
    """What the frame shows; carried by every URL and form of the embed."""

    panels: tuple[str, ...] = DEFAULT_PANELS
    readonly: bool = False

    def shows(self, panel: str) -> bool:
        if panel == "edit" and self.readonly:
            return False
        return panel in self.panels

    def query(self) -> dict[str, str]:
        """The options that differ from the defaults, as URL parameters."""
        q: dict[str, str] = {}
        if self.panels != DEFAULT_PANELS:
            q["panels"] = ",".join(self.panels) or "none"
        if self.readonly:
            q["readonly"] = "1"
        return q

    @property
    def fields(self) -> list[tuple[str, str]]:
        return list(self.query().items())

    @staticmethod
    def parse(panels: str | None, readonly: str | None) -> EmbedOptions:
        return EmbedOptions(parse_panels(panels), parse_flag(readonly, "readonly"))

    @staticmethod
    def from_params(params: Any) -> EmbedOptions:
        return EmbedOptions.parse(_str(params.get("panels")), _str(params.get("readonly")))


def _str(x: Any) -> str | None:
    return x if isinstance(x, str) else None


def parse_panels(raw: str | None) -> tuple[str, ...]:
    """ "step, diagram" → ("diagram", "step"): known names, in the page's order; "all" = all."""
    if raw is None or not raw.strip():
        return DEFAULT_PANELS
    names = {p.strip().lower() for p in raw.replace(" ", ",").split(",") if p.strip()}
    if names == {"all"}:
        return PANELS
    if names == {"none"}:  # the step controls only
        return ()
    unknown = sorted(names - set(PANELS))
    if unknown:
        raise OptionError(
            f"panels: “{unknown[0][:30]}” is not a panel; the panels are {', '.join(PANELS)}"
        )
    return tuple(p for p in PANELS if p in names)


def parse_flag(raw: str | None, name: str) -> bool:
    text = (raw or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise OptionError(f"{name}: must be 1 or 0, got “{(raw or '')[:20]}”")


def initial(state: PageState, granularity: str | None, decimals: str | None) -> PageState:
    """The state with the ``granularity`` and ``decimals`` an embed opens with."""
    if granularity is not None and granularity.strip():
        g = granularity.strip().lower()
        if g not in GRANULARITIES:
            raise OptionError(f"granularity: must be one of {', '.join(GRANULARITIES)}")
        state = replace(state, granularity=g)
    if decimals is not None and decimals.strip():
        d = decimals.strip()
        if not is_whole(d) or not MIN_DECIMALS <= int(d) <= MAX_DECIMALS:
            raise OptionError(
                f"decimals: must be a whole number from {MIN_DECIMALS} to {MAX_DECIMALS}"
            )
        state = replace(state, precision=int(d))
    return state


# -- URLs ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4 * len(PRESETS) * (MAX_DECIMALS + 1))
def _preset_variant(preset_id: str, granularity: str, precision: int) -> str:
    return replace(preset_state(preset_id), granularity=granularity, precision=precision).encode()


def embed_path(state: PageState, at: int, opts: EmbedOptions) -> str:
    """The canonical embed URL of a state (without the root path): ``/embed/{preset}?at=…`` for
    a preset as it starts (granularity and decimals as options), else ``/embed?s=…&at=…``."""
    query: dict[str, str] = {}
    pid = state.preset_id
    if pid is not None and state.encode() == _preset_variant(
        pid, state.granularity, state.precision
    ):
        path = f"/embed/{pid}"
        start = preset_state(pid)
        if state.granularity != start.granularity:
            query["granularity"] = state.granularity
        if state.precision != start.precision:
            query["decimals"] = str(state.precision)
    else:
        path = "/embed"
        query["s"] = state.encode()
    if at >= 0:
        query["at"] = str(at)
    query.update(opts.query())
    return path + ("?" + urlencode(query) if query else "")


def unlinked(dia: Diagram) -> Diagram:
    """The diagram without its links to the edit form (the frame shows no edit form)."""
    return replace(
        dia,
        linked=False,
        nodes=tuple(replace(n, href="") for n in dia.nodes),
        edges=tuple(replace(e, href="") for e in dia.edges),
        biases=tuple(
            replace(b, href="", links=tuple(replace(k, href="") for k in b.links))
            for b in dia.biases
        ),
    )


# -- the presentation ------------------------------------------------------------------------------


class EmbedFrame(pages.Presentation):
    """The explorer's actions answered as the embed: ``embed.html`` or its fragment, links that
    stay in the frame, and clicks that replace the frame's URL (the course page's Back leaves)."""

    history_header = "HX-Replace-Url"

    def __init__(self, opts: EmbedOptions) -> None:
        self.opts = opts

    def _context(self, request: Request, **extra: Any) -> dict[str, Any]:
        base = pages.root(request)
        return {"embed": self.opts, "root": base + "/embed", "site": base, **extra}

    def path(self, state: PageState, at: int) -> str:
        return embed_path(state, at, self.opts)

    def adapt(self, request: Request, state: PageState, view: pages.View) -> pages.View:
        base = pages.root(request)
        view = replace(
            view,
            url=base + embed_path(state, view.at, self.opts),
            reset_url=base + embed_path(origin_state(state), -1, self.opts),
            root=base + "/embed",  # the fragments it renders (and caches) post under /embed
        )
        if not self.opts.shows("edit"):
            narrow = view.diagram_narrow
            view = replace(
                view,
                diagram=unlinked(view.diagram),
                diagram_narrow=unlinked(narrow) if narrow is not None else None,
            )
        return view

    def render(
        self, request: Request, state: PageState, view: pages.View, htmx: bool, status: int
    ) -> HTMLResponse:
        open_url = pages.root(request) + url(state, view.at)
        context = self._context(request, v=view, fragment=htmx, open_url=open_url)
        name = "_embed_fragment.html" if htmx else "embed.html"
        resp: HTMLResponse = request.app.state.templates.TemplateResponse(
            request, name, context, status_code=status
        )
        return resp

    def error(self, request: Request, message: str, status: int) -> HTMLResponse:
        htmx = pages.is_htmx(request)
        context = self._context(
            request, v=None, message=message, status=status, open_url=pages.root(request) + "/"
        )
        name = "_embed_error.html" if htmx else "embed.html"
        resp: HTMLResponse = request.app.state.templates.TemplateResponse(
            request, name, context, status_code=status
        )
        resp.headers["Vary"] = "HX-Request"
        if htmx:  # the message replaces the explorer, inside the frame
            resp.headers["HX-Retarget"] = "#explorer"
            resp.headers["HX-Reswap"] = "outerHTML"
            resp.headers["HX-Push-Url"] = "false"
        return resp


def _framed(request: Request, params: Any) -> EmbedFrame | HTMLResponse:
    """The frame for the request's options, or the page that says which option is wrong."""
    try:
        frame = EmbedFrame(EmbedOptions.from_params(params))
    except OptionError as e:
        return EmbedFrame(EmbedOptions()).error(
            request, f"This embed's address has a problem: {e}.", 400
        )
    request.state.frame = frame
    return frame


# What an embed's address may carry (docs/EMBED.md); a typo such as precision= for decimals=
# would otherwise be ignored without a word, and a course would show something else.
ADDRESS_OPTIONS = ("s", "at", "granularity", "decimals", "panels", "readonly")


def _address_mistake(params: Any) -> str:
    for name in params:
        if name not in ADDRESS_OPTIONS:
            options = ", ".join(ADDRESS_OPTIONS)
            return f"“{name[:30]}” is not an option of an embed; the options are {options}"
        if len(params.getlist(name)) > 1:
            return f"{name} is given more than once"
    return ""


# -- routes ----------------------------------------------------------------------------------------


def _open(
    request: Request,
    state: PageState | None,
    at: str | None,
    granularity: str | None,
    decimals: str | None,
    s_error: str = "",
) -> Response:
    frame = _framed(request, request.query_params)
    if isinstance(frame, HTMLResponse):
        return frame
    mistake = _address_mistake(request.query_params)
    if mistake:
        return frame.error(request, f"This embed's address has a problem: {mistake}.", 400)
    if state is None:
        return frame.error(request, s_error, 400)
    try:
        state = initial(state, granularity, decimals)
        cursor = pages.parse_at(at)
    except (OptionError, StateError) as e:
        return frame.error(request, f"This embed's address has a problem: {e}.", 400)
    return pages.explorer_response(request, state, cursor)


@router.get("/embed")
@router.get("/embed/explore")
def embed_state(
    request: Request,
    s: str | None = None,
    at: str | None = None,
    granularity: str | None = None,
    decimals: str | None = None,
) -> Response:
    if not s:
        return _open(
            request,
            None,
            at,
            granularity,
            decimals,
            "This embed's address has no state: use /embed/<example> or /embed?s=…",
        )
    try:
        state = load(s)
    except StateError as e:
        return _open(request, None, at, granularity, decimals, f"This link cannot be opened: {e}.")
    return _open(request, state, at, granularity, decimals)


@router.get("/embed/explore/view")
def embed_view(
    request: Request,
    s: str | None = None,
    at: str | None = None,
    granularity: str | None = None,
    precision: str | None = None,
    sample: str | None = None,
) -> Response:
    frame = _framed(request, request.query_params)
    if isinstance(frame, HTMLResponse):
        return frame
    return pages.explore_view(request, s, at, granularity, precision, sample)


async def _post_frame(request: Request) -> EmbedFrame | HTMLResponse:
    form = await request.form()  # Starlette keeps it: the explorer's handler reads it again
    params = {**request.query_params, **{k: v for k, v in form.items() if isinstance(v, str)}}
    return _framed(request, params)


async def _refuse_if_readonly(request: Request, frame: EmbedFrame) -> Response | None:
    if not frame.opts.readonly:
        return None
    form = await request.form()
    try:
        state = load(str(form.get("s") or ""))
        at = pages.parse_at(_str(form.get("at")))
    except StateError as e:
        return frame.error(request, f"This page's state cannot be read: {e}.", 400)
    return pages.explorer_response(
        request, state, at, status=403, errors={"update": READONLY_MESSAGE}
    )


def _embedded(action: Callable[[Request], Awaitable[Response]], edits: bool) -> Any:
    """An explorer control inside the frame: the frame's options read from the form (a page
    saying which is wrong otherwise), a read-only frame's edits refused, then the explorer's
    own action, answered through the frame (``EmbedFrame``)."""

    async def handler(request: Request) -> Response:
        frame = await _post_frame(request)
        if isinstance(frame, HTMLResponse):
            return frame
        if edits and (refused := await _refuse_if_readonly(request, frame)) is not None:
            return refused
        return await action(request)

    return handler


for _name, _action, _edits in (
    ("edit", pages.explore_edit, True),
    ("architecture", pages.explore_architecture, True),
    ("finish", pages.explore_finish, False),
    ("train", pages.explore_train, False),
    ("replay", pages.explore_replay, False),
):
    router.add_api_route(
        f"/embed/explore/{_name}",
        _embedded(_action, _edits),
        methods=["POST"],
        name=f"embed_{_name}",
    )


@router.get("/embed/{preset_id}")
def embed_preset(
    request: Request,
    preset_id: str,
    at: str | None = None,
    granularity: str | None = None,
    decimals: str | None = None,
) -> Response:
    if preset_id not in PRESETS:
        frame = _framed(request, request.query_params)
        if isinstance(frame, HTMLResponse):
            return frame
        return frame.error(
            request,
            f"There is no example called “{preset_id[:40]}”. The examples are: "
            + ", ".join(PRESETS)
            + ".",
            404,
        )
    return _open(request, preset_state(preset_id), at, granularity, decimals)
