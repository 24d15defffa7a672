"""The worked solution in LaTeX, for instructors' own handouts.

    GET /export/worked.tex?s=… (or ?preset=…)

It compiles with a stock ``pdflatex`` (Debian's texlive-latex-base and -recommended: amsmath,
geometry, longtable). The file is ASCII: Greek letters and the math signs become macros, and
every other character of a title or a label is escaped (LaTeX's specials) or transliterated
(accents dropped; what has no ASCII form becomes ?), so nothing a user wrote can end a string,
open a group or run a command.
"""

from __future__ import annotations

import math
import unicodedata

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from engine import TraceStep
from engine.expr import Call, Expr, Frac, Mat, Num, Op, Row, Sym

from ..render.formatting import number
from ..render.mathml import _label
from .source import SourceError, download, filename, page_state
from .worked import Worked, value_expr, worked

router = APIRouter()

GREEK = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "ω": r"\omega", "Δ": r"\Delta",
    "Σ": r"\Sigma", "Θ": r"\Theta", "Λ": r"\Lambda", "Π": r"\Pi", "Φ": r"\Phi", "Ω": r"\Omega",
    "∂": r"\partial", "∇": r"\nabla",
}  # fmt: skip
SIGNS = {
    "−": "-", "×": r"\times", "·": r"\cdot", "⊙": r"\odot", "∞": r"\infty", "≈": r"\approx",
    "≤": r"\le", "≥": r"\ge", "→": r"\to", "←": r"\leftarrow", "½": r"\tfrac{1}{2}",
    "⁺": "^{+}", "⁻": "^{-}", "ᵀ": "^{T}", "′": "'",
}  # fmt: skip
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
SUP_SIGNS = {"⁺": "+", "⁻": "-", "ᵀ": "T"}
TEXT_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}", '"': "''",
    "“": "``", "”": "''", "‘": "`", "’": "'", "–": "--", "—": "---", "…": r"\dots{}",
}  # fmt: skip
LAYER_NAMES = ("∇W", "∇b", "Z", "A", "Δ", "W", "b")  # as app/render/mathml.py's symbol()
# letters NFKD does not take apart into ASCII
LETTERS = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
           "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}  # fmt: skip
FUNCTIONS = {"tanh": r"\tanh", "max": r"\max", "exp": r"\exp", "log": r"\log", "ln": r"\ln"}


def _math_char(ch: str) -> str | None:
    """A character that LaTeX writes in math mode: Greek, a sign or a superscript."""
    if ch in GREEK:
        return GREEK[ch] + " "
    if ch in SIGNS:
        return SIGNS[ch]
    if ch in SUPERSCRIPTS:
        return "^{" + SUPERSCRIPTS[ch] + "}"
    return None


def text(s: str) -> str:
    """Any text (a title, a label) as LaTeX text: ASCII, nothing that can run or open."""
    out = []
    for ch in s:
        math_form = _math_char(ch)
        if ch in TEXT_SPECIALS:
            out.append(TEXT_SPECIALS[ch])
        elif math_form is not None:
            out.append(r"\ensuremath{" + math_form + "}")
        elif ch in "\n\r\t\u2028\u2029\x0b\x0c\x85":
            out.append(" ")
        elif ch.isascii():
            out.append(ch if ch.isprintable() else "")
        elif ch in LETTERS:
            out.append(LETTERS[ch])
        else:
            ascii_form = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append("".join(TEXT_SPECIALS.get(c, c) for c in ascii_form) or "?")
    return "".join(out)


def _name(s: str) -> str:
    """A symbol's base or subscript: one ASCII letter in math italic, anything else as text."""
    if len(s) == 1 and s.isascii() and s.isalpha():
        return s
    return r"\text{" + text(s) + "}"


def _sym(e: Sym) -> str:
    """As the explorer's MathML reads a symbol (``mathml._label``): ∂out_o1 is ∂ and out with
    subscript o1; a whole label as the base, w5⁺, is w with subscript 5 and superscript +."""
    plain = not e.sub and not e.sup and "/" not in e.base
    if plain and e.base.startswith("∂") and len(e.base) > 1:
        return r"\partial " + _sym(_label(e.base[1:]))
    if plain and " " not in e.base:
        parsed = _label(e.base)
        if parsed.sub or parsed.sup:
            return _sym(parsed)
    greek = bool(e.base) and all(c in GREEK or c in SIGNS for c in e.base)
    base = "".join(_math_char(c) or "" for c in e.base) if greek else _name(e.base)
    out = "{" + base + "}"
    if e.sub:
        out += "_{" + _name(e.sub) + "}"
    if e.sup:
        out += "^{" + text("".join(SUPERSCRIPTS.get(c, SUP_SIGNS.get(c, c)) for c in e.sup)) + "}"
    return out


def num(x: float, d: int) -> str:
    """A number as the page shows it, in LaTeX: −1.2×10⁻³ → -1.2 \\times 10^{-3}."""
    if not math.isfinite(x):
        return r"\text{overflow}" if math.isinf(x) else r"\text{undefined}"
    shown = number(x, d)
    mantissa, times, exponent = shown.partition("×10")
    out = mantissa.replace("−", "-")
    if times:
        power = "".join(SUPERSCRIPTS.get(c, "-" if c == "⁻" else "") for c in exponent)
        out += r" \times 10^{" + power + "}"
    return out


def expr(e: Expr, d: int) -> str:
    """A formula tree (``engine.expr``) as LaTeX math."""
    if isinstance(e, Sym):
        return _sym(e)
    if isinstance(e, Num):
        return num(e.value, d)
    if isinstance(e, Op):
        return _op(e.text)
    if isinstance(e, Row):
        return " ".join(expr(i, d) for i in e.items)
    if isinstance(e, Frac):
        return r"\frac{" + expr(e.num, d) + "}{" + expr(e.den, d) + "}"
    if isinstance(e, Call):
        return _call(e, d)
    if isinstance(e, Mat):
        return _matrix(e, d)
    return r"\sum_{" + _name(e.index) + "} " + expr(e.body, d)


def _op(t: str) -> str:
    """An operator's text (=, +, −, ·, ")²", ";" between samples) in math mode."""
    if t == ";":
        return r";\quad "
    return "".join(
        _math_char(c) or (c if c in "()[],=+:/ " else r"\text{" + text(c) + "}") for c in t
    )


def _call(e: Call, d: int) -> str:
    fn = FUNCTIONS.get(e.fn) or "".join(_math_char(c) or text(c) for c in e.fn)
    return fn + r"\left(" + ", ".join(expr(a, d) for a in e.args) + r"\right)"


def _matrix(e: Mat, d: int) -> str:
    rows = r" \\ ".join(" & ".join(num(v, d) for v in row) for row in e.values)
    return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"


def quantity(name: str, layer: bool = False) -> str:
    """A step's quantity (net_h1, ∂E/∂w5, δ_o1, w5⁺; at layer granularity Z1, ∇W2, W2⁺ with
    the layer as a superscript, as the explorer writes them) as LaTeX math."""
    if name.startswith("∂E/∂"):
        return r"\frac{\partial E}{\partial " + quantity(name[4:], layer) + "}"
    if layer:
        for base in LAYER_NAMES:
            rest = name[len(base) :].rstrip("⁺")
            if name.startswith(base) and rest.isdigit():
                sup = rest + ("+" if name.endswith("⁺") else "")
                return "{" + "".join(_math_char(c) or c for c in base) + "}^{" + sup + "}"
    return _sym(_label(name))


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{longtable}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\allowdisplaybreaks
\begin{document}
"""


def _table(caption: str, head: list[str], rows: list[list[str]]) -> str:
    spec = "l" * len(head)
    lines = [
        r"\begin{longtable}{" + spec + "}",
        r"\multicolumn{" + str(len(head)) + "}{l}{\\textbf{" + caption + r"}}\\",
        " & ".join(head) + r"\\ \hline",
    ]
    lines += [" & ".join(row) + r"\\" for row in rows]
    return "\n".join([*lines, r"\end{longtable}", ""])


def _network(w: Worked) -> str:
    s = w.scenario
    out = [r"\section*{The network}", r"\begin{itemize}"]
    out += [r"\item " + text(line) for line in w.rules()]
    out.append(r"\end{itemize}")
    out.append(
        _table(
            "Weights",
            ["Weight", "From", "To", "Value"],
            [
                [text(p.name), text(p.source), text(p.target), f"${num(p.value, w.decimals)}$"]
                for p in w.weights
            ],
        )
    )
    out.append(
        _table(
            "Biases",
            ["Bias", "Neuron", "Value"],
            [[text(p.name), text(p.target), f"${num(p.value, w.decimals)}$"] for p in w.biases],
        )
    )
    head = ["Sample", *[text(n) for n in s.labels.neurons[0]]]
    head += ["target " + text(n) for n in s.labels.neurons[-1]]
    rows = [
        [str(k + 1), *[f"${num(x, w.decimals)}$" for x in [*s.inputs[k], *s.targets[k]]]]
        for k in range(s.n_samples)
    ]
    out.append(_table("Data", head, rows))
    return "\n".join(out)


def _step(w: Worked, st: TraceStep) -> str:
    d = w.decimals
    lines = [
        r"\paragraph{Step " + str(st.index + 1) + ". " + text(st.title) + "}",
        r"\begin{gather*}",
        expr(st.formula, d) + r"\\",
        expr(st.substituted, d) + r"\\",
        quantity(st.quantity, w.layer) + " = " + expr(value_expr(st), d),
        r"\end{gather*}",
    ]
    return "\n".join(lines)


def document(w: Worked) -> str:
    s = w.scenario
    out = [PREAMBLE, r"\section*{" + text(s.title or "Your network") + "}"]
    out.append("Backpropagation, one iteration worked out")
    if w.document:
        out.append(r" (as in document \texttt{" + text(w.document) + "})")
    out.append(f". Numbers rounded to {w.decimals} decimals.\n")
    out.append(_network(w))
    for k, ph in enumerate(w.phases, start=1):
        out += [r"\clearpage", r"\section*{" + f"{k}. " + text(ph.title) + "}", text(ph.intro)]
        out += [_step(w, st) for st in ph.steps]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def _render(request: Request, s: str | None, preset: str | None) -> Response:
    try:
        state = page_state(request, s, preset)
    except SourceError as e:
        return e.response
    tex = document(worked(request, state))
    name = filename(state.scenario.title, "-worked.tex")
    return download(tex, "application/x-tex; charset=utf-8", name)


@router.get("/export/worked.tex", include_in_schema=False)
async def export_worked_tex(
    request: Request, s: str | None = None, preset: str | None = None
) -> Response:
    return await run_in_threadpool(_render, request, s, preset)
