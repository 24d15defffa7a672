"""Every text the diagram writes, in one place: the layout sizes its boxes from these and draws
these. Names come from the scenario's labels (a document's own: the cost E or C, the target t or
y, net and out or z and a), so a change of notation is made here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable

from engine import Scenario
from engine.expr import superscript

from .svg import Line
from .textsize import script_parts

Format = Callable[[float], str]


def short(label: str, default: str) -> str:
    """A one-string label as a word on the diagram: net_ (net_h1 in formulas) is net, document
    000's z is z."""
    return label.rstrip("_") or default


# the characters Unicode has a subscript for
_SUBSCRIPTS = dict(
    zip("0123456789aehijklmnoprstuvx+−", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₊₋", strict=True)
)


def plain(text: str) -> str:
    """A diagram text as plain Unicode, for what holds no markup (an SVG ``<title>``, an
    ``aria-label``, the readout): written as the diagram draws it, b_h1 → bₕ₁, w(L) → w⁽ᴸ⁾,
    a(L−1) → a⁽ᴸ⁻¹⁾ (never a raw "_"). A subscript with a letter Unicode has no subscript for
    goes in subscript brackets (x_bc → x₍bc₎); a dot stays on the line (b_h1.2 → bₕ₁.₂)."""
    out = []
    for part, shift in script_parts(text):
        if shift == "super":
            up = superscript(part[1:-1])
            out.append(f"⁽{up}⁾" if up is not None else part)
        elif shift == "sub":
            if all(c in _SUBSCRIPTS or c == "." for c in part):
                out.append("".join(_SUBSCRIPTS.get(c, c) for c in part))
            else:
                out.append(f"₍{part}₎")
        else:
            out.append(part)
    return "".join(out)


def d_cost(s: Scenario, of: str) -> str:
    """The derivative of the cost: "∂E/∂w5" (document 000: "∂C/∂w")."""
    return f"∂{s.labels.cost}/∂{of}"


def d_cost_plain(s: Scenario, of: str) -> str:
    """``d_cost`` as plain Unicode (``plain``): "∂E/∂bₕ₁", for hover texts."""
    return plain(d_cost(s, of))


def label_lines(
    s: Scenario, name: str, values: tuple[float, float, float], f: Format
) -> tuple[Line, Line, Line]:
    """A weight's or a bias's label: its value; old → new once updated; its gradient."""
    old, new, grad = values
    return (
        Line(f"{name} = {f(old)}", "val"),
        Line(f"{name} {f(old)} → {f(new)}", "new"),
        Line(f"{d_cost(s, name)} {f(grad)}", "grad"),
    )


def input_lines(s: Scenario, name: str, x: float, grad: float | None, f: Format) -> list[Line]:
    """An input's card: its value, then the cost's derivative by it (when the trace has one),
    under the step's own name (∂E/∂i1)."""
    lines = [Line(f(x), "val")]
    if grad is not None:
        lines.append(Line(f"{d_cost(s, name)} {f(grad)}", "grad"))
    return lines


def neuron_lines(s: Scenario, net: float, out: float, delta: float, f: Format) -> list[Line]:
    """A neuron's card: its net input, its output, its delta."""
    return [
        Line(f"{short(s.labels.net, 'net')} {f(net)}", "val"),
        Line(f"{short(s.labels.out, 'out')} {f(out)}", "val"),
        Line(f"δ {f(delta)}", "grad"),
    ]


def side_lines(s: Scenario, target: float, error: float | None, f: Format) -> list[Line]:
    """Beside an output: its target, then its error."""
    lines = [Line(f"{short(s.labels.target, 't')} {f(target)}", "val")]
    if error is not None:
        lines.append(Line(f"{s.labels.cost} {f(error)}", "err"))
    return lines
