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
from engine.expr import Expr, Sym, Visitor, name_expr

from ..render.formatting import number
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
    """A symbol: base, subscript, the layer's index in brackets and a sign as superscripts
    (W^{(2)+}), as the explorer's MathML writes it."""
    greek = bool(e.base) and all(c in GREEK or c in SIGNS for c in e.base)
    base = "".join(_math_char(c) or "" for c in e.base) if greek else _name(e.base)
    if e.base.startswith("∇") and len(e.base) > 1:
        base = r"\nabla " + _name(e.base[1:])
    out = "{" + base + "}"
    if e.sub:
        out += "_{" + ",".join(_name(p) for p in e.sub.split(",")) + "}"
    sup = ("(" + _op(e.layer) + ")" if e.layer else "") + text(e.sup)
    if sup:
        out += "^{" + sup + "}"
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


class Latex(Visitor[str]):
    """The LaTeX back end of ``engine.expr.Visitor``: numbers at ``d`` decimals."""

    def __init__(self, d: int) -> None:
        self.d = d

    def sym(self, s: Sym) -> str:
        return _sym(s)

    def num(self, x: float) -> str:
        return num(x, self.d)

    def op(self, text: str) -> str:
        return _op(text)

    def row(self, items: tuple[Expr, ...]) -> str:
        return " ".join(self.visit(i) for i in items)

    def frac(self, top: Expr, bottom: Expr) -> str:
        return r"\frac{" + self.visit(top) + "}{" + self.visit(bottom) + "}"

    def call(self, fn: str, args: tuple[Expr, ...]) -> str:
        name = FUNCTIONS.get(fn) or "".join(_math_char(c) or text(c) for c in fn)
        return name + r"\left(" + ", ".join(self.visit(a) for a in args) + r"\right)"

    def mat(self, values: tuple[tuple[float, ...], ...]) -> str:
        rows = r" \\ ".join(" & ".join(num(v, self.d) for v in r) for r in values)
        return r"\begin{bmatrix}" + rows + r"\end{bmatrix}"

    def sum(self, index: str, body: Expr) -> str:
        return r"\sum_{" + _name(index) + "} " + self.visit(body)

    def partial(self, of: Expr) -> str:
        return r"\partial " + self.visit(of)


def expr(e: Expr, d: int) -> str:
    """A formula tree (``engine.expr``) as LaTeX math."""
    return Latex(d).visit(e)


def _op(t: str) -> str:
    """An operator's text (=, +, −, ·, ")²", ";" between samples) in math mode."""
    if t == ";":
        return r";\quad "
    return "".join(
        _math_char(c) or (c if c in "()[],=+:/ " or c.isascii() and c.isalnum() else
                          r"\text{" + text(c) + "}")
        for c in t
    )  # fmt: skip


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


def _label(name: str) -> str:
    """A weight's or a bias's label as the steps write it (b_h1 → $b_{h1}$, not "b\\_h1")."""
    return "$" + expr(name_expr(name), 0) + "$"


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
                [_label(p.name), text(p.source), text(p.target), f"${num(p.value, w.decimals)}$"]
                for p in w.weights
            ],
        )
    )
    out.append(
        _table(
            "Biases",
            ["Bias", "Neuron", "Value"],
            [[_label(p.name), text(p.target), f"${num(p.value, w.decimals)}$"] for p in w.biases],
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
        expr(st.symbol, d) + " = " + expr(value_expr(st), d),
        r"\end{gather*}",
    ]
    return "\n".join(lines)


def document(w: Worked) -> str:
    s = w.scenario
    out = [PREAMBLE, r"\section*{" + text(s.title or "Your network") + "}"]
    source = r" (as in document \texttt{" + text(w.document) + "})" if w.document else ""
    rounded = f"Numbers rounded to {w.decimals} decimals."
    out.append(f"Backpropagation, one iteration worked out{source}. {rounded}\n")
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
