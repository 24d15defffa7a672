"""The trace as CSV, for a spreadsheet: one row per value.

    GET /export/trace.csv?s=… (or ?preset=…)[&granularity=neuron|layer]

Columns: step (numbered from 1, as the page counts), phase, quantity (the page's name), name
(the value's own name inside a layer's matrix, e.g. net_h1 in Z1), sample (from 1), neuron,
from (a weight's source neuron), formula (text), value (the shortest decimal that reads back as
the same float64). A matrix step gives one row per cell. UTF-8 with a byte-order mark and a
header row, so Excel and LibreOffice open it as it is; a text cell that begins with =, +, -, @,
a tab or a carriage return is written after a ' so that no spreadsheet runs it as a formula
(OWASP's advice); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from engine import GRANULARITIES, Scenario, TraceStep, trace
from engine.expr import exact, to_text

from ..explorer import pages
from .source import SourceError, download, filename, page_state

router = APIRouter()

HEADER = ("step", "phase", "quantity", "name", "sample", "neuron", "from", "formula", "value")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# layer steps whose value is a weight matrix (rows: source neurons) or a vector over neurons
MATRIX_KINDS = ("weight_gradient", "weight_update")
VECTOR_KINDS = ("bias_gradient", "bias_update")

Row = tuple[str, ...]


def cell(text: str) -> str:
    """A text cell no spreadsheet reads as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(x: float) -> str:
    x = float(x)
    if math.isfinite(x):
        return exact(x)
    return "undefined (overflow)" if math.isnan(x) else "overflow"


def _layer(st: TraceStep) -> int:
    """The layer a layer step's columns are neurons of."""
    if st.kind == "input_gradient":
        return 0
    return max((layer for layer, _ in st.neurons), default=0)


def _name(st: TraceStep, k: int, size: int) -> str:
    return st.covers[k] if len(st.covers) == size else st.quantity


def _cells(s: Scenario, st: TraceStep) -> Iterator[tuple[str, str, str, str, Any]]:
    """(name, sample, neuron, from, value) of every value of a step."""
    value, names = st.value, s.labels.neurons
    if not isinstance(value, list):  # one number
        yield st.quantity, "", "", "", value
    elif not isinstance(value[0], list):  # a list over samples, or a layer's bias vector
        over_neurons = st.kind in VECTOR_KINDS
        for k, v in enumerate(value):
            if over_neurons:
                yield _name(st, k, len(value)), "", names[_layer(st)][k], "", v
            else:
                yield st.quantity, str(k + 1), "", "", v
    elif st.kind in MATRIX_KINDS:  # weights[l][i][j]: source i, destination j
        layer = st.weights[0][0] if st.weights else _layer(st) - 1
        cols = len(value[0])
        for i, row in enumerate(value):
            for j, v in enumerate(row):
                name = _name(st, i * cols + j, len(value) * cols)
                yield name, "", names[layer + 1][j], names[layer][i], v
    else:  # samples × neurons
        layer = _layer(st)
        for k, row in enumerate(value):
            for j, v in enumerate(row):
                yield _name(st, j, len(row)), str(k + 1), names[layer][j], "", v


def rows(s: Scenario, granularity: str) -> Iterator[Row]:
    yield HEADER
    for st in trace(s, granularity).steps:
        formula = cell(to_text(st.formula))
        for name, sample, neuron, source, v in _cells(s, st):
            yield (
                str(st.index + 1),
                st.phase,
                cell(st.quantity),
                cell(name),
                sample,
                cell(neuron),
                cell(source),
                formula,
                number(v),
            )


def trace_csv(s: Scenario, granularity: str) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerows(rows(s, granularity))
    return out.getvalue()


@router.get("/export/trace.csv", include_in_schema=False)
def export_trace_csv(
    request: Request,
    s: str | None = None,
    preset: str | None = None,
    granularity: str | None = None,
) -> Response:
    try:
        state = page_state(request, s, preset)
    except SourceError as e:
        return e.response
    shown, refusal = pages.effective_granularity(state, request.app.state.settings)
    chosen = granularity or shown
    if chosen not in GRANULARITIES or (chosen == "neuron" and refusal):
        why = refusal or f"it must be one of {', '.join(GRANULARITIES)}"
        return pages.error_page(
            request, f"granularity: {chosen[:20]!r} cannot be used: {why}.", 400
        )
    text = trace_csv(state.scenario, chosen)
    name = filename(state.scenario.title, f"-trace-{chosen}.csv")
    return download(text, "text/csv; charset=utf-8", name)
