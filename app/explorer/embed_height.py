"""The height of the iframe in the copied snippet: what the frame needs in a 700 px course column
to show its whole content without scrolling inside, at the tallest of the steps it can reach
(a course page that strips scripts never resizes it).

The heights are measured, not guessed: ``scripts/embed_heights.py`` loads every preset at both
granularities in chromium at 700 px and writes ``embed_heights.json``: the frame with no panel,
each panel's extra height, and the step panel's at every step. A network shaped as a preset
(same layers, samples, activations, loss and number of steps: the presets themselves, edited
or trained) takes its preset's figures; any other is estimated from its shape (its diagram's
proportions, its number of steps, fields and samples) from the same measurements, on the
generous side."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from engine import PRESETS, Trace, trace

from ..render import diagram as draw
from ..render.svg import DRAWN_SCALE
from .embed_options import EmbedOptions
from .state import PageState, preset_state

COLUMN = 700  # px: the course column docs/EMBED.md promises the snippet fits
# a practice frame's question (fields, Check, help) over the explorer's step panel, generously
PRACTICE_EXTRA = 240  # px
DATA_FILE = Path(__file__).with_name("embed_heights.json")
STEADY_PANELS = ("diagram", "timeline", "chart", "edit", "table")  # the same at every step
PRECISION = 9  # the decimals the presets were measured with
MARGIN = 1.03  # and 16 px: fonts and a later iteration's numbers differ a little
CAPTION_CHARS, CAPTION_LINE = 60, 26  # a caption line at 700 px, generously
DIAGRAM_BOX = (544, 640)  # px: the diagram's width in the column (its CSS min-width; the pane)
NARROW_BELOW = (544, 688)  # px: a column this narrow shows a small network's layers-down picture
STEPS_PER_ROW, TIMELINE_ROW = 10, 38  # timeline buttons on one row at 700 px, a row's height


@functools.cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text())
    return data


def _shape(s: Any) -> tuple[Any, ...]:
    return (tuple(s.layers), s.n_samples, tuple(s.activations), s.loss)


@functools.cache
def _preset_shapes() -> dict[tuple[Any, ...], str]:
    return {_shape(preset_state(p).scenario): p for p in PRESETS}


def _measured(state: PageState, granularity: str) -> dict[str, Any] | None:
    preset = _preset_shapes().get(_shape(state.scenario))
    if preset is None:
        return None
    figures: dict[str, Any] = _data()["presets"][preset][granularity]
    return figures


def _all(granularity: str) -> list[dict[str, Any]]:
    return [g[granularity] for g in _data()["presets"].values()]


def frame_height(
    state: PageState, tr: Trace, granularity: str, diagram: Any, opts: EmbedOptions
) -> int:
    """The snippet's iframe height (CSS px) for this state and the frame's options."""
    measured = _measured(state, granularity)
    if measured is not None and measured["steps"] != len(tr.steps):
        measured = None  # shaped like a preset, stepped otherwise (biases updated, …)
    phases = [st.phase for st in tr.steps]
    reachable = opts.reachable(phases) if opts.locked else range(-1, len(tr.steps))
    figures = measured or _estimate(state, tr, granularity, diagram)
    total = figures["base"] + sum(figures[p] for p in STEADY_PANELS if opts.shows(p))
    if opts.shows("step"):
        step = max(figures["step"][at + 1] for at in reachable)
        total += step * (1 + 0.03 * max(0, state.precision - PRECISION))
        if opts.shows("timeline"):  # one pane holds both: its frame counted once
            total -= figures["overlap"]
    if opts.caption:
        total += CAPTION_LINE * math.ceil(len(opts.caption) / CAPTION_CHARS) + 8
    return int(math.ceil((total * MARGIN + 16) / 10) * 10)


# -- a network no preset is shaped like ------------------------------------------------------------


def _estimate(state: PageState, tr: Trace, granularity: str, diagram: Any) -> dict[str, Any]:
    measured = _all(granularity)
    s = state.scenario
    return {
        "base": max(m["base"] for m in measured) + (30 if len(s.title) > 60 else 0),
        "diagram": _diagram(tr, state, diagram),
        "timeline": _timeline(tr),
        "chart": max(m["chart"] for m in measured),
        "table": max(m["table"] for m in measured),
        "edit": _edit(s),
        "step": [_step(tr, at, granularity) for at in range(-1, len(tr.steps))],
        "overlap": min(m["overlap"] for m in measured),
    }


def _svg_height(dia: Any) -> float:
    """The picture's height in the column: the layers-down one (a small network's: the
    column is narrower than the wide one's least width) at its own size or the column's,
    else the wide one between its least width and the column's."""
    low, high = DIAGRAM_BOX
    if dia.geometry.vertical:
        shown = min(dia.drawn_width, high)
    else:
        shown = min(max(low, dia.width * DRAWN_SCALE), high)
    return float(shown * dia.height / dia.width)


def _picture(tr: Trace, precision: int, sample: int, wide: Any = None) -> Any:
    """The picture the frame shows in the column: a small network's layers-down one where the
    column is narrower than the wide one's least width (static/css/explorer.css: 43rem for a
    picture over 700 units wide, templates/_diagram_figure.html), else the wide one."""
    wide = wide or draw.build(tr, -1, precision, sample, None)
    least = NARROW_BELOW[1] if wide.width > 700 else NARROW_BELOW[0]
    if draw.has_narrow(tr.before.layers) and DIAGRAM_BOX[1] < least:
        return draw.build(tr, -1, precision, sample, None, vertical=True)
    return wide


@functools.cache
def _diagram_chrome() -> float:
    """The diagram pane's height beyond its picture (heading, view controls, legend)."""
    chrome = []
    for preset, grans in _data()["presets"].items():
        st = preset_state(preset)
        dia = _picture(trace(st.scenario, st.granularity), st.precision, 0)
        chrome.append(grans[st.granularity]["diagram"] - _svg_height(dia))
    return float(max(chrome))


def _diagram(tr: Trace, state: PageState, wide: Any) -> float:
    return _diagram_chrome() + _svg_height(_picture(tr, state.precision, state.sample, wide))


def _rows(counts: Iterable[int]) -> int:
    return sum(math.ceil(n / STEPS_PER_ROW) for n in counts if n)


def _timeline(tr: Trace) -> float:
    """A heading per phase and its buttons' rows, from the presets' per-row height."""
    phases = ("forward", "loss", "backward", "update")
    counts = [sum(1 for st in tr.steps if st.phase == p) for p in phases]
    head = max(
        m["timeline"]
        - TIMELINE_ROW
        * _rows(sum(1 for st in _preset_trace(p, g).steps if st.phase == ph) for ph in phases)
        for p, grans in _data()["presets"].items()
        for g, m in grans.items()
    )
    return float(head + TIMELINE_ROW * _rows(min(n, 30) for n in counts))


@functools.cache
def _preset_trace(preset: str, granularity: str) -> Trace:
    return trace(preset_state(preset).scenario, granularity)


def _fields(s: Any) -> int:
    weights = sum(a * b for a, b in zip(s.layers, s.layers[1:], strict=False))
    return int(weights + sum(s.layers[1:]) + s.n_samples * (s.layers[0] + s.layers[-1]))


def _edit(s: Any) -> float:
    """The edit form: a fixed part and a row per field, the most any preset needed per field."""
    fixed = 800.0
    per_field = max(
        (g["neuron"]["edit"] - fixed) / _fields(preset_state(p).scenario)
        for p, g in _data()["presets"].items()
    )
    return float(fixed + per_field * _fields(s))


@functools.cache
def _tallest_by_kind(granularity: str) -> dict[str, float]:
    """The tallest the presets' step panel was for each kind of step."""
    tallest: dict[str, float] = {}
    for preset, grans in _data()["presets"].items():
        heights = grans[granularity]["step"]
        for st in _preset_trace(preset, granularity).steps:
            tallest[st.kind] = max(tallest.get(st.kind, 0.0), heights[st.index + 1])
    return tallest


def _step(tr: Trace, at: int, granularity: str) -> float:
    """The tallest the presets' step panel was for a step of this kind, and a line for every
    matrix row beyond the presets' four."""
    measured = _all(granularity)
    if at < 0:
        return float(max(m["step"][0] for m in measured))
    tallest = _tallest_by_kind(granularity)
    s = tr.before
    rows = max(s.n_samples, *s.layers) if granularity == "layer" else 1
    height = tallest.get(tr.steps[at].kind, max(tallest.values()))
    return float(height + 24 * max(0, rows - 4))
