"""Share and save: the explorer's "Copy link", "Copy embed code", "Download scenario (JSON)" and
"Load a scenario" (the panel ``templates/_share.html``).

    GET  /share/scenario.json?s=…          the state's scenario as a file (``Scenario.to_dict()``,
                                           the JSON the REST API takes)
    POST /share/scenario.json              scenario=<JSON>: the same file, for a change whose link
                                           would be too long (the explorer offers it in place)
    GET  /share/embed-code?s=&at=&kind=&panels=&readonly=&…
                                           the embed code for other options (htmx: the snippet);
                                           kind=practice: the practice frame, same options
    POST /share/load                       a .json file (multipart) or pasted JSON: the explorer
                                           opens on it (origin "loaded", iteration 0); a bad one
                                           answers 422 with the current state and the message
                                           beside the form

Every float goes out as its shortest round-trip decimal (``json``), so a downloaded file loads
back to the same scenario bit for bit.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from engine import EngineError, Scenario

from ..practice.build import Where
from ..render.formatting import is_whole
from . import pages
from .codec import MAX_LINK, StateError, unwritable
from .embed import PANELS, EmbedOptions, OptionError, embed_path
from .embed_height import COLUMN, PRACTICE_EXTRA, frame_height
from .embed_options import PHASES, check_lock
from .link import link_too_long
from .oembed import discovery_href
from .state import PageState, load, loaded_state

router = APIRouter(include_in_schema=False)

MAX_SCENARIO_BYTES = 200_000
PANEL_LABELS = {
    "diagram": "Network diagram",
    "step": "The step's arithmetic",
    "timeline": "Timeline of steps",
    "chart": "Training and loss chart",
    "edit": "Editing the network",
    "table": "Tables of every value",
}
PART_LABELS = {
    "error": "The error readout",
    "preview": "“After this update” preview",
    "badges": "Notes on the document's figures",
    "finish": "Finish button",
    "train": "Train button",
    "reset": "Reset button",
    "view": "View controls (granularity, decimals)",
    "open": "“Open in Backprop Explorer” link",
}
PREVIEW_WIDTHS = (320, 400, 700, 1000)
KINDS = {
    "explore": "The explorer: the steps, worked",
    "practice": "Practice: the steps as questions, with the learner's score",
}


# -- the panel's links -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareLinks:
    link: str  # the explorer at this state and step
    embed_src: str  # the embed at this state and step with the options
    iframe: str  # the snippet for a course page
    download: str
    host_script: str  # the script tag that sizes the frames on a course page
    options: EmbedOptions
    height: int = 0  # the snippet's iframe height (embed_height.py)
    preview_width: int = COLUMN
    error: str = ""  # an option the builder could not take
    kind: str = "explore"  # or "practice": what the frame shows (KINDS)
    from_builder: bool = False  # answering the options form: its panels stay open
    max_bytes: int = MAX_SCENARIO_BYTES
    # no PUBLIC_URL: the links are paths, which static/js/embed.js completes with the origin
    # the browser sees (location.origin); the Host header never reaches a snippet
    relative: bool = True

    panel_names = PANELS
    phase_names = PHASES
    part_labels = PART_LABELS
    preview_widths = PREVIEW_WIDTHS
    kinds = KINDS

    @staticmethod
    def panel_label(name: str) -> str:
        return PANEL_LABELS[name]

    @property
    def custom(self) -> bool:
        return self.options != EmbedOptions() or bool(self.error) or self.kind != "explore"


def public_origin(request: Request) -> str:
    """The origin written into links that leave the site: PUBLIC_URL, or "" (paths)."""
    return str(request.app.state.settings.public_url)


@dataclass(frozen=True)
class Builder:
    """The share panel's embed options as its form sent them (``/share/embed-code``)."""

    options: EmbedOptions = field(default_factory=EmbedOptions)
    preview_width: int = COLUMN
    error: str = ""  # an option the builder could not take
    asked: bool = False  # answering the options form: its panels stay open
    kind: str = "explore"  # or "practice": what the frame shows (KINDS)


def builder_of(request: Request) -> Builder:
    """The builder's options from the address (a dependency): the defaults and the reason
    when one cannot be taken."""
    params = request.query_params
    preview = _preview_width(params.get("preview"))
    kind = "practice" if params.get("kind") == "practice" else "explore"
    try:
        return Builder(_builder_options(params), preview, asked=True, kind=kind)
    except OptionError as e:
        error = f"The embed options are not valid: {e}."
        return Builder(EmbedOptions(), preview, error, asked=True, kind=kind)


def share_links(request: Request, v: Any, builder: Any = None) -> ShareLinks:
    """The links for the explorer's view ``v`` (a ``pages.View``), with the embed builder's
    options where the page answers it (a template without one passes its undefined name)."""
    built = builder if isinstance(builder, Builder) else Builder()
    opts = built.options
    base = public_origin(request)
    root = pages.root(request)
    state: PageState = v.state
    at = v.at
    if opts.locked:  # the frame opens at the lock's first step, whatever step is shown here
        steps = opts.reachable([st.phase for st in v.tr.steps])
        at = at if at in steps else (steps[0] if steps else at)
    kind = built.kind
    # the same at every step of a state (the page asks twice): kept with its trace
    height = v.bundle.derived(
        ("frame height", opts, state.precision, v.diagram.width, v.diagram.height),
        lambda: frame_height(state, v.tr, v.granularity, v.diagram, opts),
    )
    if kind == "practice":  # it opens at the first question (or the lock's first step)
        src = base + Where(root, "/embed/practice", opts).base(state)
        height += PRACTICE_EXTRA
    else:
        src = base + root + embed_path(state, at, opts)
    title = f"Backprop Explorer: {state.scenario.title or 'a network'}"
    iframe = (
        f'<iframe src="{escape(src)}" width="100%" height="{height}" '
        f'title="{escape(title)}" loading="lazy"></iframe>'
    )
    download = root + "/share/scenario.json?" + urlencode({"s": v.s})
    host = f'<script src="{escape(base + root)}/static/js/embed-host.js" async></script>'
    return ShareLinks(
        base + v.url,
        src,
        iframe,
        download,
        host,
        opts,
        height=height,
        preview_width=built.preview_width,
        error=built.error,
        from_builder=built.asked,
        kind=kind,
        relative=not base,
    )


def install(templates: Any) -> None:
    """Make ``share_links`` available to the templates (``_share.html``)."""
    templates.env.globals["share_links"] = share_links
    templates.env.globals["oembed_href"] = discovery_href


# -- download --------------------------------------------------------------------------------------


def scenario_json(s: Scenario) -> str:
    return json.dumps(s.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def filename(title: str) -> str:
    """A file name from a title: "Example: 2-2-2 sigmoid" → example-2-2-2-sigmoid.json"""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return (slug or "scenario") + ".json"


@router.get("/share/scenario.json")
def download(request: Request, s: str | None = None) -> Response:
    try:
        state = load(s or "")
    except StateError as e:
        return pages.error_page(request, f"This link cannot be saved: {e}.", 400)
    return _attachment(state.scenario)


def _attachment(sc: Scenario) -> Response:
    return Response(
        scenario_json(sc),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename(sc.title)}"'},
    )


@router.post("/share/scenario.json")
async def download_posted(request: Request) -> Response:
    """A changed scenario no link can carry, posted by the explorer's refusal of the change."""
    async with request.form() as form:
        raw = form.get("scenario")
    text = raw if isinstance(raw, str) else ""
    return await run_in_threadpool(_download_posted, request, text)


def _download_posted(request: Request, text: str) -> Response:
    try:
        scenario = parse_scenario(text.encode(), "The posted scenario")
    except LoadError as e:
        return pages.error_page(request, f"This scenario cannot be saved: {e}.", 422)
    return _attachment(scenario)


# -- embed options ---------------------------------------------------------------------------------


def _builder_options(params: Any) -> EmbedOptions:
    """The embed options the share panel's form sends (checkboxes arrive one value each)."""

    def joined(name: str, empty: str = "") -> str:
        return ",".join(p for p in params.getlist(name) if p.strip()) or empty

    return EmbedOptions.from_params(
        {
            "panels": joined("panels", "none"),
            "phases": joined("phases"),
            "hide": joined("hide"),
            "readonly": params.get("readonly"),
            "from": _at_of(params.get("from_step"), "from"),
            "to": _at_of(params.get("to_step"), "to"),
            "caption": params.get("caption"),
        }
    )


def _at_of(step: str | None, name: str) -> str | None:
    """A step as the builder shows it (1 = the first) → its ``at`` index (0)."""
    if step is None or not step.strip():
        return None
    text = step.strip()
    if not is_whole(text) or int(text) < 1:
        raise OptionError(f"{name}: must be a step number from 1")
    return str(int(text) - 1)


def _preview_width(raw: str | None) -> int:
    return int(raw) if raw in {str(w) for w in PREVIEW_WIDTHS} else COLUMN


@router.get("/share/embed-code")
def embed_code(
    request: Request,
    builder: Annotated[Builder, Depends(builder_of)],
    s: str | None = None,
    at: str | None = None,
) -> Response:
    try:
        state = load(s or "")
        cursor = pages.parse_at(at)
    except StateError as e:
        return pages.error_page(request, f"This page's state cannot be read: {e}.", 400)
    if builder.options.locked:
        try:
            settings = request.app.state.settings
            granularity, _ = pages.effective_granularity(state, settings)
            phases = [st.phase for st in pages.build_trace(request, state, granularity).steps]
            check_lock(builder.options, phases, granularity)
        except OptionError as e:
            error = f"The embed options are not valid: {e}."
            builder = replace(builder, options=EmbedOptions(), error=error)
    status = 422 if builder.error else 200
    if not pages.is_htmx(request):  # without JavaScript: the whole explorer, these options shown
        shown = pages.Presentation(builder=builder)
        return pages.explorer_response(request, state, cursor, status=status, p=shown)
    view = pages.build_view(request, state, cursor, {}, {})
    context = {"v": view, "builder": builder}
    resp: Response = pages.render(request, "_share_embed.html", context, status)
    resp.headers["Vary"] = "HX-Request"
    return resp


# -- load ------------------------------------------------------------------------------------------


class LoadError(ValueError):
    """A file or text that is not a scenario the explorer can open; the message says why."""


def parse_scenario(raw: bytes, source: str) -> Scenario:
    """A scenario from a file's bytes; LoadError naming the field and the rule if it is none."""
    if len(raw) > MAX_SCENARIO_BYTES:
        raise LoadError(
            f"{source} is {_kb(len(raw))}; a scenario may be at most {_kb(MAX_SCENARIO_BYTES)}"
        )
    if not raw.strip():
        raise LoadError(f"{source} is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LoadError(f"{source} is not text (UTF-8): is it a .json file?") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(
            f"{source} is not JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from None
    except RecursionError:
        raise LoadError(f"{source} is nested too deeply to be a scenario") from None
    except ValueError:  # e.g. an integer of over 4,300 digits
        raise LoadError(f"{source} holds a number too long to read") from None
    where = unwritable(doc, text)
    if where:
        raise LoadError(f"{source} is not a valid scenario: it holds {where}")
    # a REST body ({"scenario": …, "iterations": …}) or an /api/step answer holds one
    if isinstance(doc, dict) and "layers" not in doc and isinstance(doc.get("scenario"), dict):
        doc = doc["scenario"]
    if not isinstance(doc, dict):
        raise LoadError(
            f"{source} holds a JSON {_kind(doc)}; a scenario is an object with layers, "
            "activations, weights, biases, inputs, targets and loss"
        )
    try:
        return Scenario.from_dict(doc)
    except EngineError as e:
        raise LoadError(f"{source} is not a valid scenario: {e}") from None


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB" if n >= 10_000 else f"{n:,} bytes"


def _kind(x: Any) -> str:
    return {list: "list", str: "string", bool: "true/false", type(None): "null"}.get(
        type(x), "number"
    )


@router.post("/share/load")
async def load_scenario(request: Request) -> Response:
    form = await request.form()
    try:
        return await _load(request, form)
    finally:
        await form.close()  # the upload's temporary file, closed now rather than by the GC


async def _load(request: Request, form: FormData) -> Response:
    """The form read here (the upload at most MAX_SCENARIO_BYTES); the state, the scenario and
    the explorer worked out in the thread pool (a large state renders for seconds)."""
    upload = form.get("file")
    raw: bytes | None = None
    name = ""
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        name = f"The file “{(upload.filename or 'upload')[:60]}”"
        raw = await upload.read(MAX_SCENARIO_BYTES + 1)
    text = form.get("text")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(
        _load_sync, request, fields, raw, name, text if isinstance(text, str) else ""
    )


def _load_sync(
    request: Request, form: dict[str, str], raw: bytes | None, name: str, text: str
) -> Response:
    try:
        state = load(form.get("s") or "")
        at = pages.parse_at(form.get("at"))
    except StateError as e:
        return pages.error_page(request, f"This page's state cannot be read: {e}.", 400)
    try:
        if raw is not None:
            if len(raw) > MAX_SCENARIO_BYTES:
                raise LoadError(
                    f"{name} is over {_kb(MAX_SCENARIO_BYTES)}, the most a scenario may be"
                )
            scenario = parse_scenario(raw, name)
        elif text.strip():
            scenario = parse_scenario(text.encode(), "The pasted text")
        else:
            raise LoadError("Choose a .json file or paste a scenario's JSON, then open it")
        new = loaded_state(scenario)
        if link_too_long(new):
            raise LoadError(
                "This scenario is valid but too large for the explorer's links; use the REST "
                f"API (/docs) for it (a link may have at most {MAX_LINK:,} characters)"
            )
    except LoadError as e:
        kept = {"load_text": text} if len(text) <= MAX_SCENARIO_BYTES else {}
        msg = f"Not loaded: {e}. The explorer still shows the network you had."
        return pages.explorer_response(
            request, state, at, status=422, errors={"load": msg}, values=kept
        )
    return pages.explorer_response(request, new, -1, changed=True)
