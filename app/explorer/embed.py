"""The explorer in an iframe, for course pages and LMSs (docs/EMBED.md).

    GET  /embed/{preset}?…           a preset as it starts
    GET  /embed?s=…&…                any state (the explorer's ``s``)
    GET  /embed/explore?s=&at=&…     the same (where the step buttons' form goes)
    GET  /embed/explore/view?…       granularity, precision or sample shown
    GET  /embed/explore/reset?s=&…   Reset (a route of its own: hide=reset refuses it)
    POST /embed/explore/{edit,architecture,finish,train,replay}

Options, as URL parameters: ``at``, ``granularity`` and ``decimals`` (applied to the state when
the embed opens), and the frame's own (``embed_options.py``): panels, readonly, from, to,
phases, hide, caption. A locked frame (from, to, phases) opens at its first step and refuses
(403) a step outside the lock; an action the options leave out is refused with 403 too.

The embed runs the explorer's own actions (``app.explorer.pages``) with this module as their
presentation (``EmbedFrame``, each route's dependency ``Frame``): its forms post under
``/embed/explore/…`` and carry the options in hidden fields, and each answer sets the frame's
URL to the canonical one (``HX-Replace-Url``: the course page's Back button leaves the page
rather than stepping back through every click), so a reload inside the iframe restores it. No
cookies.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from engine import GRANULARITIES, PRESETS

from ..render.diagram import Diagram
from ..render.formatting import DEFAULT_DECIMALS, MAX_DECIMALS, MIN_DECIMALS, is_whole
from . import pages
from .codec import StateError
from .embed_lock import locked_view
from .embed_options import (
    DEFAULT_PANELS,
    PANELS,
    EmbedOptions,
    OptionError,
    check_lock,
    parse_panels,
)
from .state import PageState, load, origin_state, preset_state, url

router = APIRouter(include_in_schema=False)

__all__ = [  # the options live in embed_options.py; these names stay importable from here
    "DEFAULT_PANELS",
    "PANELS",
    "EmbedOptions",
    "OptionError",
    "parse_panels",
]


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
        # as ``preset_state`` starts it (without reading the preset's scenario again: every
        # page and step's answer writes this link)
        if state.granularity != PRESETS[pid].granularity:
            query["granularity"] = state.granularity
        if state.precision != DEFAULT_DECIMALS:
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
            replace(
                b, geo=replace(b.geo, href=""), links=tuple(replace(k, href="") for k in b.links)
            )
            for b in dia.biases
        ),
    )


# -- the presentation ------------------------------------------------------------------------------


def reset_path(state: PageState, opts: EmbedOptions) -> str:
    """Reset's address: a route of its own, so that a frame that hides Reset can refuse it."""
    return "/embed/explore/reset?" + urlencode({"s": state.encode(), **opts.query()})


def lock_steps(request: Request, state: PageState, opts: EmbedOptions) -> tuple[int, ...]:
    """The steps a locked frame may show for this state (OptionError if the lock leaves none)."""
    settings = request.app.state.settings
    granularity, _ = pages.effective_granularity(state, settings)
    phases = [st.phase for st in pages.build_trace(request, state, granularity).steps]
    return check_lock(opts, phases, granularity)


def lock_message(opts: EmbedOptions, at: int) -> str:
    where = "before the first step" if at < 0 else f"at={at}"
    lock = ", ".join(f"{k}={v}" for k, v in opts.query().items() if k in ("from", "to", "phases"))
    return (
        f"This embedded explorer is locked to some steps of the iteration ({lock}); "
        f"{where} is outside them."
    )


class EmbedFrame(pages.Presentation):
    """The explorer's actions answered as the embed: ``embed.html`` or its fragment, links that
    stay in the frame, and clicks that replace the frame's URL (the course page's Back leaves)."""

    history_header = "HX-Replace-Url"

    def __init__(self, opts: EmbedOptions, problem: str = "") -> None:
        super().__init__()  # no more context than its address says: its steps are kept
        self.opts = opts
        self.problem = problem  # an option of the address that could not be taken

    def refused(self, request: Request) -> HTMLResponse | None:
        """The page that says which option of the frame's address is wrong, or None."""
        if not self.problem:
            return None
        return self.error(request, f"This embed's address has a problem: {self.problem}.", 400)

    def _context(self, request: Request, **extra: Any) -> dict[str, Any]:
        base = pages.root(request)
        return {"embed": self.opts, "root": base + "/embed", "site": base, **extra}

    def path(self, state: PageState, at: int) -> str:
        return embed_path(state, at, self.opts)

    def adapt(self, request: Request, state: PageState, view: pages.View) -> pages.View:
        base = pages.root(request)
        reset_state = state if self.opts.locked else origin_state(state)
        view = replace(
            view,
            url=base + embed_path(state, view.at, self.opts),
            reset_url=base + reset_path(reset_state, self.opts),
            root=base + "/embed",  # the fragments it renders (and caches) post under /embed
        )
        if not self.opts.shows("edit"):
            narrow = view.diagram_narrow
            view = replace(
                view,
                diagram=unlinked(view.diagram),
                diagram_narrow=unlinked(narrow) if narrow is not None else None,
            )
        steps = self.opts.reachable([st.phase for st in view.tr.steps])
        if self.opts.locked and steps:
            view = locked_view(view, steps, view.reset_url)
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

    def show(self, request: Request, state: PageState, at: int | None) -> Response:
        """The explorer at a step: a locked frame opens at its first step when none is given,
        and refuses (403) a step outside the lock."""
        if at is not None:
            state, at = pages.resolve_previous(request, state, at)
        if not self.opts.locked:
            return pages.explorer_response(request, state, -1 if at is None else at, p=self)
        try:
            steps = lock_steps(request, state, self.opts)
        except OptionError as e:
            return self.error(request, f"This embed's address has a problem: {e}.", 400)
        if at is None:
            at = steps[0]
        if at not in steps:
            return self.error(request, lock_message(self.opts, at), 403)
        return pages.explorer_response(request, state, at, p=self)

    def refuse(self, request: Request, state: PageState, at: int, message: str) -> Response:
        """403: the explorer as it was (a locked frame's at its lock), the message beside the
        step controls."""
        if self.opts.locked:
            try:
                steps = lock_steps(request, state, self.opts)
            except OptionError as e:
                return self.error(request, f"This embed's address has a problem: {e}.", 400)
            at = at if at in steps else steps[0]
        return pages.explorer_response(
            request, state, at, status=403, errors={"update": message}, p=self
        )


def framed(params: Any) -> EmbedFrame:
    """The frame for these options (a wrong one: a frame with the defaults, and its problem)."""
    try:
        return EmbedFrame(EmbedOptions.from_params(params))
    except OptionError as e:
        return EmbedFrame(EmbedOptions(), str(e))


def query_frame(request: Request) -> EmbedFrame:
    """The frame of a GET route: the options in the address."""
    return framed(request.query_params)


async def form_frame(request: Request) -> EmbedFrame:
    """The frame of a control's POST: the options in the address and the form's hidden fields."""
    form = await request.form()  # Starlette keeps it: the explorer's handler reads it again
    return framed({**request.query_params, **{k: v for k, v in form.items() if isinstance(v, str)}})


Frame = Annotated[EmbedFrame, Depends(query_frame)]
PostedFrame = Annotated[EmbedFrame, Depends(form_frame)]


# What an embed's address may carry (docs/EMBED.md); a typo such as precision= for decimals=
# would otherwise be ignored without a word, and a course would show something else.
ADDRESS_OPTIONS = (
    "s",
    "at",
    "granularity",
    "decimals",
    "panels",
    "readonly",
    "from",
    "to",
    "phases",
    "hide",
    "caption",
    "shown",  # the step the frame shows, sent by its step form (partial.py): not an option
)


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
    frame: EmbedFrame,
    state: PageState | None,
    at: str | None,
    granularity: str | None,
    decimals: str | None,
    s_error: str = "",
) -> Response:
    if (refused := frame.refused(request)) is not None:
        return refused
    mistake = _address_mistake(request.query_params)
    if mistake:
        return frame.error(request, f"This embed's address has a problem: {mistake}.", 400)
    if state is None:
        return frame.error(request, s_error, 400)
    try:
        state = initial(state, granularity, decimals)
        cursor = None if at is None or not at.strip() else pages.parse_at(at)
    except (OptionError, StateError) as e:
        return frame.error(request, f"This embed's address has a problem: {e}.", 400)
    return frame.show(request, state, cursor)


@router.get("/embed")
@router.get("/embed/explore")
def embed_state(
    request: Request,
    frame: Frame,
    s: str | None = None,
    at: str | None = None,
    granularity: str | None = None,
    decimals: str | None = None,
) -> Response:
    if not s:
        return _open(
            request,
            frame,
            None,
            at,
            granularity,
            decimals,
            "This embed's address has no state: use /embed/<example> or /embed?s=…",
        )
    try:
        state = pages.read_state(request, s)
    except StateError as e:
        return _open(
            request, frame, None, at, granularity, decimals, f"This link cannot be opened: {e}."
        )
    return _open(request, frame, state, at, granularity, decimals)


def _state_at(s: Any, at: Any) -> tuple[PageState, int]:
    state = load(s if isinstance(s, str) else "")
    return state, pages.parse_at(at if isinstance(at, str) else None)


@router.get("/embed/explore/view")
def embed_view(
    request: Request,
    frame: Frame,
    s: str | None = None,
    at: str | None = None,
    granularity: str | None = None,
    precision: str | None = None,
    sample: str | None = None,
) -> Response:
    if (refused := frame.refused(request)) is not None:
        return refused
    opts = frame.opts
    why = opts.refusal("view")
    if opts.locked and not why:
        try:
            state, cursor = _state_at(s, at)
            steps = lock_steps(request, state, opts)
        except (StateError, OptionError) as e:
            return frame.error(request, f"This embed's address has a problem: {e}.", 400)
        if cursor not in steps:
            return frame.error(request, lock_message(opts, cursor), 403)
        if granularity is not None and granularity != state.granularity:
            why = (
                "This embedded explorer is locked to some steps, numbered at its granularity: "
                "the granularity cannot change here."
            )
    if why:
        try:
            state, cursor = _state_at(s, at)
        except StateError as e:
            return frame.error(request, f"This page's state cannot be read: {e}.", 400)
        return frame.refuse(request, state, cursor, why)
    return pages.explore_view(request, frame, s, at, granularity, precision, sample)


@router.get("/embed/explore/reset")
def embed_reset(
    request: Request, frame: Frame, s: str | None = None, at: str | None = None
) -> Response:
    """Reset: the example as it started (a locked frame: its first step of the same state)."""
    if (refused := frame.refused(request)) is not None:
        return refused
    try:
        state, cursor = _state_at(s, at)
    except StateError as e:
        return frame.error(request, f"This page's state cannot be read: {e}.", 400)
    why = frame.opts.refusal("reset")
    if why:
        return frame.refuse(request, state, cursor, why)
    if not frame.opts.locked:
        return pages.explorer_response(request, origin_state(state), -1, changed=True, p=frame)
    try:
        steps = lock_steps(request, state, frame.opts)
    except OptionError as e:
        return frame.error(request, f"This embed's address has a problem: {e}.", 400)
    return pages.explorer_response(request, state, steps[0], changed=True, p=frame)


async def _refused(request: Request, frame: EmbedFrame, name: str) -> Response | None:
    """The frame's refusal of an action (403, in the thread pool: it renders), or None."""
    why = frame.opts.refusal(name)
    if not why:
        return None
    form = await request.form()
    try:
        state, at = _state_at(form.get("s"), form.get("at"))
    except StateError as e:
        return frame.error(request, f"This page's state cannot be read: {e}.", 400)
    return await run_in_threadpool(frame.refuse, request, state, at, why)


def _embedded(action: pages.Handler, name: str) -> Any:
    """An explorer control inside the frame: the frame's options read from the form (a page
    saying which is wrong otherwise), an action the frame does not offer refused (403: a
    read-only or locked frame's edits, a hidden control's action), then the explorer's own
    action, answered through the frame (``EmbedFrame``)."""

    async def handler(request: Request, frame: PostedFrame) -> Response:
        if (problem := frame.refused(request)) is not None:
            return problem
        if (refused := await _refused(request, frame, name)) is not None:
            return refused
        return await action(request, frame)

    return handler


for _name, _action in (
    ("edit", pages.explore_edit),
    ("architecture", pages.explore_architecture),
    ("finish", pages.explore_finish),
    ("train", pages.explore_train),
    ("replay", pages.explore_replay),
):
    router.add_api_route(
        f"/embed/explore/{_name}",
        _embedded(_action, _name),
        methods=["POST"],
        name=f"embed_{_name}",
    )


@router.get("/embed/{preset_id}")
def embed_preset(
    request: Request,
    frame: Frame,
    preset_id: str,
    at: str | None = None,
    granularity: str | None = None,
    decimals: str | None = None,
) -> Response:
    if preset_id not in PRESETS:
        if (refused := frame.refused(request)) is not None:
            return refused
        return frame.error(
            request,
            f"There is no example called “{preset_id[:40]}”. The examples are: "
            + ", ".join(PRESETS)
            + ".",
            404,
        )
    return _open(request, frame, preset_state(preset_id), at, granularity, decimals)
