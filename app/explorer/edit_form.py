"""What the edit form shows, and which of a post's fields the learner changed.

A field shows its value at the page's decimals (``field_text``): a trained weight reads
0.149780716, not a 17-digit float cut off by the field; the exact value is one click away (the
form's "Exact values" lists). A post sends every field back, so an edit applies only the fields
whose text differs from what the form showed for that state (``changed_fields``): a field left
alone keeps its exact value, however few decimals it showed.

Biases that share a label in a layer (document 003's b1 for h1 and h2) are one field while
they hold the same value; the field's name is its first neuron's (``b-0-0``) and an edit sets
every bias of the group. Once bias updates make them differ, each has its own field and name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine import Scenario

NUMBER_FIELDS = {"w": 3, "b": 2, "x": 2, "t": 2}  # a field name's indices: w-1-0-1, b-1-0
TEXT_FIELDS = ("loss", "update_order", "title")  # fields whose text is the value


def exact_text(x: float) -> str:
    """The shortest text that reads back as the same float: 0.14978071612609, 2 (not 2.0)."""
    return repr(float(x)).removesuffix(".0")


def field_text(x: float, decimals: int) -> str:
    """An edit field's text: at most ``decimals`` decimals, trailing zeros dropped, an ASCII
    minus (it is read back as typed); a value too small to show keeps two or more significant
    digits (3.51e-5), as the page's numbers do."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"  # −0.0 as typed, read back exactly
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        digits = max(1, min(decimals, 6) - 1)
        mantissa, _, exponent = f"{x:.{digits}e}".partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(exponent)}"
    return text


def is_rounded(x: float, decimals: int) -> bool:
    """Whether a field shows ``x`` rounded (its exact value then has a line in the lists)."""
    return field_text(x, decimals) != exact_text(x)


@dataclass(frozen=True)
class BiasField:
    """One bias field of a layer: ``members`` are the neurons it sets (one, or a group sharing
    a label and a value); ``covered`` the cells a field of a group spans."""

    layer: int
    members: tuple[int, ...]
    label: str  # its name on the form: b1, or "b1 (h2)" where a shared name now differs
    neurons: str  # whose bias: "h1", "h1 and h2"

    @property
    def name(self) -> str:
        return f"b-{self.layer}-{self.members[0]}"

    @property
    def span(self) -> int:
        """Columns the field spans: its group's, when they stand side by side."""
        first, last = self.members[0], self.members[-1]
        return len(self.members) if last - first + 1 == len(self.members) else 1


def _groups(s: Scenario, layer: int) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for j, label in enumerate(s.labels.biases[layer]):
        groups.setdefault(label, []).append(j)
    return groups


def bias_fields(s: Scenario, layer: int) -> list[BiasField]:
    """The bias fields of weight layer ``layer``, in the order of their first neurons."""
    names = s.labels.neurons[layer + 1]
    b = s.biases[layer]
    fields = []
    for label, members in _groups(s, layer).items():
        if len(members) > 1 and all(b[j] == b[members[0]] for j in members):
            who = ", ".join(names[j] for j in members[:-1]) + " and " + names[members[-1]]
            fields.append(BiasField(layer, tuple(members), label, who))
            continue
        for j in members:
            shown = label if len(members) == 1 else f"{label} ({names[j]})"
            fields.append(BiasField(layer, (j,), shown, names[j]))
    return sorted(fields, key=lambda f: f.members[0])


def bias_cells(s: Scenario, layer: int) -> list[tuple[int, BiasField]]:
    """The bias row's cells, column by column: (the column, its field); a column that a field
    spans has no cell of its own. The field is written in its first neuron's column."""
    owner = {j: f for f in bias_fields(s, layer) for j in f.members}
    return [
        (j, owner[j])
        for j in range(len(s.biases[layer]))
        if owner[j].members[0] == j or owner[j].span == 1
    ]


def split_biases(s: Scenario, layer: int) -> str:
    """The sentence that says why biases sharing a label have fields of their own ("" if none
    do): their values differ, so one field could not show them."""
    names = s.labels.neurons[layer + 1]
    b = s.biases[layer]
    parts = []
    for label, members in _groups(s, layer).items():
        if len(members) > 1 and any(b[j] != b[members[0]] for j in members):
            who = ", ".join(names[j] for j in members[:-1]) + " and " + names[members[-1]]
            parts.append(f"{who} share the bias {label}")
    if not parts:
        return ""
    return (
        f"In the example {'; '.join(parts)}; the bias updates have made their values differ, "
        "so each has a field of its own, named after its neuron."
    )


def shared_with(s: Scenario, layer: int, j: int) -> tuple[int, ...]:
    """The neurons whose biases the field ``b-layer-j`` sets: its group, when it heads one."""
    for field in bias_fields(s, layer):
        if field.members[0] == j:
            return field.members
    return (j,)


def shown(s: Scenario, name: str, decimals: int) -> str | None:
    """The text the form shows for field ``name`` of scenario ``s`` (None: not a field of it)."""
    parts = name.split("-")
    try:
        if parts[0] in NUMBER_FIELDS and len(parts) == NUMBER_FIELDS[parts[0]] + 1:
            idx = tuple(int(p) for p in parts[1:])
            arrays: dict[str, Any] = {"w": s.weights, "b": s.biases, "x": s.inputs, "t": s.targets}
            return field_text(float(arrays[parts[0]][idx[0]][idx[1:]]), decimals)
        if parts[0] == "act" and len(parts) == 2:
            return s.activations[int(parts[1])]
    except (ValueError, IndexError):
        return None
    if name == "learning_rate":
        return field_text(s.learning_rate, decimals)
    if name in TEXT_FIELDS:
        return str(getattr(s, name))
    return None


def changed_fields(s: Scenario, form: dict[str, str], decimals: int) -> dict[str, str]:
    """The posted fields whose text differs from what the form showed for ``s`` (a field the
    form does not know is kept: the edit refuses it by name)."""
    return {
        name: raw
        for name, raw in form.items()
        if name != "has_update_biases"
        and name != "update_biases"
        and raw != shown(s, name, decimals)
    }
