"""oEmbed (https://oembed.com): a link to the explorer pasted into WordPress, Moodle or any
consumer becomes the embed's iframe.

    GET /oembed?url=…&maxwidth=&maxheight=&format=json

``url`` is an explorer or embed address (``/explore/{preset}``, ``/explore?s=…``,
``/embed/{preset}``, ``/embed?s=…``, with ``at`` and, for an embed, its options), or a practice
one (``/practice/…``, ``/embed/practice/…``: the frame practises the same set and fading from
its first question; the learner's record in the address is not the course's). The answer is
the ``rich`` type: ``html`` is the iframe snippet, ``width`` and ``height`` its size (within
``maxwidth`` and ``maxheight``). As the spec says: 404 for an address that is not an explorer
page, 501 for a format other than json. The iframe's origin is PUBLIC_URL when it is set (and
``url`` must then be on it), else the origin ``url`` itself names: never the Host header.

Every explorer page names this in its head (``<link rel="alternate"
type="application/json+oembed">``: ``discovery_href``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from markupsafe import escape

from engine import PRESETS

from ..practice.build import Where, read_fade, read_set
from ..practice.record import RecordError
from ..render import diagram as draw
from ..render.formatting import is_whole
from . import pages
from .codec import StateError
from .embed import embed_path, initial
from .embed_height import COLUMN, PRACTICE_EXTRA, frame_height
from .embed_options import EmbedOptions, OptionError
from .state import PageState, load, preset_state

router = APIRouter(include_in_schema=False)

PROVIDER = "Backprop Explorer"
MIN_WIDTH = 320
CACHE_AGE = 86_400


class NotOurs(ValueError):
    """The url is not an explorer page this server can frame (404)."""


def discovery_href(request: Request, page_url: str) -> str:
    """The oEmbed link for an explorer page's URL (a path from the app's root)."""
    base = str(request.app.state.settings.public_url)
    root = pages.root(request)
    return f"{base}{root}/oembed?" + urlencode({"url": base + page_url, "format": "json"})


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


@dataclass(frozen=True)
class Target:
    """What an address names: the frame's origin, state, step and options; for a practice
    page, the set and fading it keeps (``practice``: query pairs; None for the explorer)."""

    origin: str
    state: PageState
    at: int
    opts: EmbedOptions
    practice: dict[str, str] | None = None


def _page(path: str) -> tuple[bool, bool, str]:
    """(embed, practice, preset or "") of a path under the root; NotOurs for another page."""
    parts = path.strip("/").split("/")
    embed = parts[0] == "embed"
    rest = parts[1:] if embed else parts
    practice = bool(rest) and rest[0] == "practice"
    if practice or not embed:
        if not rest or rest[0] not in ("explore", "practice"):
            raise NotOurs("url: is not an explorer page (/explore/… or /embed/…)")
        rest = rest[1:]
    if len(rest) > 1:
        raise NotOurs("url: is not an explorer page (/explore/… or /embed/…)")
    return embed, practice, rest[0] if rest else ""


def _origin_and_path(url: str, public: str, root: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    origin = f"{parts.scheme}://{parts.netloc}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise NotOurs("url: must be the full address (http(s)://…) of an explorer page")
    if public and origin.lower() != public.lower():
        raise NotOurs(f"url: must be an address on {public}")
    path = parts.path
    if root:
        if not path.startswith(root + "/"):
            raise NotOurs(f"url: must be an address under {root}/")
        path = path[len(root) :]
    return origin, path


def _resolve(url: str, public: str, root: str) -> Target:
    """The frame an explorer or practice address names; NotOurs otherwise."""
    origin, path = _origin_and_path(url, public, root)
    query = parse_qs(urlsplit(url.strip()).query, keep_blank_values=True)
    flat = {k: v[0] for k, v in query.items()}
    embed, practice, preset = _page(path)
    try:
        if preset:
            if preset not in PRESETS:
                raise NotOurs(f"url: there is no example called “{preset[:40]}”")
            state = preset_state(preset)
        else:
            state = load(_one(query, "s") or "")
        opts = EmbedOptions.from_params(flat) if embed else EmbedOptions()
        if practice:
            read_set(flat.get("set"), state)
            read_fade(flat.get("fade"))
            kept = {k: flat[k] for k in ("set", "fade") if flat.get(k, "").strip()}
            return Target(public or origin, state, 0, opts, kept)
        if embed:
            state = initial(state, _one(query, "granularity"), _one(query, "decimals"))
        at = pages.parse_at(_one(query, "at"))
    except (StateError, OptionError, RecordError) as e:
        raise NotOurs(f"url: {e}") from None
    return Target(public or origin, state, at, opts)


def _size(raw: str | None, name: str) -> int | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not is_whole(text, 6) or int(text) < 1:
        raise ValueError(f"{name}: must be a whole number of pixels from 1")
    return int(text)


@router.get("/oembed")
def oembed(
    request: Request,
    url: str | None = None,
    maxwidth: str | None = None,
    maxheight: str | None = None,
    format: str | None = None,  # the spec's name
) -> Response:
    if format is not None and format.strip().lower() not in ("", "json"):
        return PlainTextResponse("format: only json is offered", status_code=501)
    try:
        max_w, max_h = _size(maxwidth, "maxwidth"), _size(maxheight, "maxheight")
    except ValueError as e:
        return PlainTextResponse(str(e), status_code=400)
    if not url:
        return PlainTextResponse("url: the address of an explorer page is required", 400)
    settings = request.app.state.settings
    root = pages.root(request)
    try:
        target = _resolve(url, settings.public_url, root)
    except NotOurs as e:
        return PlainTextResponse(str(e), status_code=404)
    return JSONResponse(_answer(request, target, root, max_w, max_h))


def _answer(
    request: Request, target: Target, root: str, max_w: int | None, max_h: int | None
) -> dict[str, Any]:
    settings = request.app.state.settings
    state, at, opts, base = target.state, target.at, target.opts, target.origin + root
    granularity, _ = pages.effective_granularity(state, settings)
    tr = pages.build_trace(request, state, granularity)
    if opts.locked:
        steps = opts.reachable([st.phase for st in tr.steps])
        at = at if at in steps else (steps[0] if steps else at)
    diagram = draw.build(tr, -1, state.precision, state.sample, None)
    width = COLUMN if max_w is None else max(min(COLUMN, max_w), min(MIN_WIDTH, max_w))
    height = frame_height(state, tr, granularity, diagram, opts)
    src = base + embed_path(state, at, opts)
    if target.practice is not None:  # it opens at the first question (or the lock's first step)
        src = Where(base, "/embed/practice", opts).base(state)
        if target.practice:
            src += ("&" if "?" in src else "?") + urlencode(target.practice)
        height += PRACTICE_EXTRA
    if max_h is not None:
        height = min(height, max_h)  # the frame then scrolls inside, or its host resizes it
    title = f"{PROVIDER}: {state.scenario.title or 'a network'}"
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        f'title="{escape(title)}" loading="lazy"></iframe>'
    )
    return {
        "version": "1.0",
        "type": "rich",
        "html": html,
        "width": width,
        "height": height,
        "title": title,
        "provider_name": PROVIDER,
        "provider_url": base + "/",
        "cache_age": CACHE_AGE,
    }
