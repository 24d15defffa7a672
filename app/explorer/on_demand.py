"""Which parts of a large network's explorer wait to be opened: the edit form's weights, biases,
inputs and targets, the table of every value, and a large layer's update "weight by weight".

An 8 × 16 network's page held 454 kB of edit fields and 318 kB of tables that few learners
open (bench/README.md). From ``LAZY_PARAMS`` weights and biases on, the page holds a closed
``<details>`` for each (``_lazy_part.html``) that asks for its content when it is first opened
(``lazy.py``'s route). A part the page has open stays open and filled when the explorer is
answered whole (an edit, a training run, a change of view): the page names its open parts in
the ``HX-Explorer-Open`` header (``static/js/explorer.js``). A refused edit of a weight, bias,
input or target shows the fields, its message beside its field.

A step's own table of factors waits too when it has more than ``LAZY_ROWS`` rows (a 16 × 16
layer's weight update: 256 rows, ~130 kB a click): its part changes with the step, so a step's
answer sends it whole (``partial.ALONE``), open and filled when the page has it open.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from fastapi import Request

from engine.limits import DEFAULT_LIMITS

from .edit_form import NUMBER_FIELDS
from .partial import element, holds_page, is_step

if TYPE_CHECKING:
    from .view import View

LAZY_PARAMS = 1_000  # weights and biases from which the edit fields and the table wait
LAZY_ROWS = 100  # a step's factors from which their table waits (a 16 × 16 layer's update: 256)
PARTS = ("edit", "table", "factors")
STEP_OWN = frozenset({"factors"})  # the parts that follow the step (in a step's answer)
OPEN_HEADER = "hx-explorer-open"


def _most_fields() -> int:
    """The edit form's fields for the largest network and data set the limits allow, and the
    form's others (Starlette reads 1,000 fields of a form at most unless told)."""
    lim = DEFAULT_LIMITS
    hidden = lim.max_layers - 1
    params = hidden * lim.max_neurons * (lim.max_neurons + 1)
    return params + lim.max_samples * 2 * lim.max_neurons + 100


MOST_FIELDS = _most_fields()


def requested_open(request: Request) -> frozenset[str]:
    """The parts the page has open, as its script names them; none for a step answered by its
    parts (they are not in its answer, but for the step's own: ``step_part``)."""
    if is_step(request) and holds_page(request):
        return frozenset()
    return _named(request)


def _named(request: Request) -> frozenset[str]:
    return frozenset(n for n in request.headers.get(OPEN_HEADER, "").split() if n in PARTS)


def step_part(request: Request, v: View, ident: str) -> str:
    """A step's own part on demand (``partial.ALONE``, ``lazy-factors``) for a step's answer:
    open and filled when the page has it open, else closed ("" if the step has none)."""
    name = ident.removeprefix("lazy-")
    shown = replace(v, open_parts=_named(request) & STEP_OWN & {name})
    html = v.env.get_template("_factors.html").render(v=shown, root=v.root)
    where = element(html, ident)
    return html[where[0] : where[1]] if where is not None and lazy_factors(v) else ""


def lazy_part(v: View) -> bool:
    """The page holds the edit grid and the table of values closed, loaded when opened."""
    return v.scenario.n_params >= LAZY_PARAMS


def lazy_factors(v: View) -> bool:
    """The step's table of factors is closed, loaded when opened."""
    return v.step is not None and len(v.step.factors) > LAZY_ROWS


def _grid_field(name: str) -> bool:
    return name == "targets" or name.split("-", 1)[0] in NUMBER_FIELDS


def part_open(v: View, name: str) -> bool:
    """A lazy part rendered open and filled: the page had it open, or (the edit grid) a
    refused value of one of its fields is on show."""
    if name in v.open_parts:
        return True
    return name == "edit" and any(_grid_field(k) for k in (*v.errors, *v.values))


def field_count(v: View) -> int:
    """The edit grid's fields: every weight and bias, every sample's inputs and targets."""
    s = v.scenario
    return s.n_params + s.n_samples * (s.layers[0] + s.layers[-1])


def install(templates: Any) -> None:
    templates.env.globals.update(
        lazy_part=lazy_part, lazy_factors=lazy_factors, part_open=part_open, field_count=field_count
    )
