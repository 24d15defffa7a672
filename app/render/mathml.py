"""The trace's formulas (``engine.expr`` trees) as MathML, which browsers render natively.

Every piece of text is escaped here, so the result can go into a template as ``Markup``:
labels come from the scenario, which a user can write.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from engine.expr import Call, Expr, Frac, Mat, Num, Op, Row, Sym, to_text

from .formatting import DEFAULT_DECIMALS, is_finite, number

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ᵀ", "0123456789+−T")
_SUP_CHARS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ᵀ")
_BINARY = {"×", "·", "−", "+", "⊙", "="}


def render(
    e: Expr, decimals: int = DEFAULT_DECIMALS, *, display: bool = True, wrap: bool = False
) -> Markup:
    """``<math>`` for ``e``, numbers shown with ``decimals`` decimals; alttext in plain text.

    ``wrap``: a long row (or one holding a matrix) is broken into lines before each ``=``."""
    body = _top(e, decimals)
    if wrap and isinstance(e, Row) and _long(e, decimals):
        body = _lines(e, decimals) or body
    alt = to_text(e, lambda x: number(x, decimals))
    mode = "block" if display else "inline"
    return Markup(f'<math display="{mode}" alttext="{escape(alt)}">{body}</math>')


def _top(e: Expr, d: int) -> str:
    """A per-sample row (``; ``-separated, as the neuron trace writes a batch) as one line each."""
    if isinstance(e, Row) and any(isinstance(i, Op) and i.text == ";" for i in e.items):
        lines: list[list[Expr]] = [[]]
        for item in e.items:
            if isinstance(item, Op) and item.text == ";":
                lines.append([])
            elif not (isinstance(item, Op) and item.text == ""):
                lines[-1].append(item)
        rows = "".join(
            f"<mtr><mtd><mtext>sample {k + 1}:</mtext></mtd><mtd>{_row(tuple(line), d)}</mtd></mtr>"
            for k, line in enumerate(lines)
        )
        return f'<mtable class="lines" columnalign="left">{rows}</mtable>'
    return _node(e, d)


def _long(e: Row, d: int) -> bool:
    has_matrix = any(isinstance(i, Mat) for i in e.items)
    return has_matrix or len(to_text(e, lambda x: number(x, d))) > 40


def _lines(e: Row, d: int) -> str:
    """A row as lines, one per ``=``: "a × b" / "= c"; a product of wide matrices gets one line
    per matrix ("[A]" / "· [B]")."""
    parts: list[list[Expr]] = [[]]
    for item in e.items:
        if isinstance(item, Op) and item.text == "=" and parts[-1]:
            parts.append([item])
        else:
            parts[-1].append(item)
    if any(isinstance(i, Op) and i.text == ";" for i in e.items):
        return ""
    split: list[list[Expr]] = []
    for part in parts:
        wide = len(to_text(Row(tuple(part)), lambda x: number(x, d))) > 40
        if not wide or sum(isinstance(i, Mat) for i in part) < 2:
            split.append(part)
            continue
        split.append([])
        for item in part:
            line = split[-1]
            if isinstance(item, Mat) and any(isinstance(i, Mat) for i in line):
                last_mat = max(k for k, i in enumerate(line) if isinstance(i, Mat))
                ops = [k for k, i in enumerate(line) if isinstance(i, Op) and k > last_mat]
                if ops:  # the new line starts at the operator: "− 0.05 [∇W]"
                    split.append(line[ops[-1] :])
                    del line[ops[-1] :]
                else:  # side by side means a product
                    split.append([Op("·")])
            split[-1].append(item)
    parts = [p for p in split if p]
    if len(parts) < 2:
        return ""
    rows = "".join(f"<mtr><mtd>{_row(tuple(p), d)}</mtd></mtr>" for p in parts)
    return f'<mtable class="lines" columnalign="left">{rows}</mtable>'


def _node(e: Expr, d: int) -> str:
    if isinstance(e, Sym):
        return _sym(e)
    if isinstance(e, Num):
        return _num(e.value, d)
    if isinstance(e, Op):
        return _op(e.text)
    if isinstance(e, Row):
        return _row(e.items, d)
    if isinstance(e, Frac):
        return f"<mfrac>{_node(e.num, d)}{_node(e.den, d)}</mfrac>"
    if isinstance(e, Call):
        args = "<mo>,</mo>".join(_node(a, d) for a in e.args)
        fn = '<mi mathvariant="double-struck">1</mi>' if e.fn == "1" else _ident(e.fn)
        return f"<mrow>{fn}<mo>(</mo>{args}<mo>)</mo></mrow>"
    if isinstance(e, Mat):
        rows = "".join(
            "<mtr>" + "".join(f"<mtd>{_num(v, d)}</mtd>" for v in r) + "</mtr>" for r in e.values
        )
        return f"<mrow><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>"
    return f"<mrow><munder><mo>Σ</mo>{_ident(e.index)}</munder>{_node(e.body, d)}</mrow>"


def _row(items: tuple[Expr, ...], d: int) -> str:
    out: list[str] = []
    prev: Expr | None = None
    for item in items:
        if isinstance(item, Op) and item.text == "":
            continue
        text = _node(item, d)
        # a negative number after an operator reads better in brackets: 0.5 × (−0.038)
        if (
            isinstance(item, Num)
            and item.value < 0
            and isinstance(prev, Op)
            and prev.text in _BINARY - {"="}
        ):
            text = f"<mrow><mo>(</mo>{text}<mo>)</mo></mrow>"
        out.append(text)
        prev = item
    return "<mrow>" + "".join(out) + "</mrow>"


def _num(x: float, d: int) -> str:
    if not is_finite(x):
        return f'<mtext class="overflow">{escape(number(x, d))}</mtext>'
    return f"<mn>{escape(number(x, d))}</mn>"


def _op(text: str) -> str:
    if text == ")²":
        return "<msup><mo>)</mo><mn>2</mn></msup>"
    if text == "½":
        return "<mfrac><mn>1</mn><mn>2</mn></mfrac>"
    num, slash, den = text.partition("/")
    if slash and num.isdigit() and den:
        return f"<mfrac><mn>{escape(num)}</mn>{_ident(den)}</mfrac>"
    return f"<mo>{escape(text)}</mo>"


def _ident(text: str) -> str:
    """A name: digits as a number, anything with spaces as text, else an identifier."""
    if text.isdigit():
        return f"<mn>{escape(text)}</mn>"
    if " " in text:
        return f"<mtext>{escape(text)}</mtext>"
    return f"<mi>{escape(text)}</mi>"


def _script(text: str) -> str:
    """A subscript or superscript: w₅'s 5, h1, ²ᵀ, +."""
    plain = text.translate(_SUP)
    if plain in ("+", "−"):
        return f"<mo>{plain}</mo>"
    if plain.isdigit():
        return f"<mn>{escape(plain)}</mn>"
    digits = plain.rstrip("T+")
    if digits and digits.isdigit():  # a layer number with a transpose or a plus: 2T, 1+
        tail = "".join("<mi>T</mi>" if c == "T" else "<mo>+</mo>" for c in plain[len(digits) :])
        return f"<mrow><mn>{escape(digits)}</mn>{tail}</mrow>"
    return f"<mi>{escape(plain)}</mi>"


def _label(name: str) -> Sym:
    """A label as a symbol, like ``engine.expr.sym``, but a trailing superscript stays one."""
    k = len(name)
    while k > 0 and name[k - 1] in _SUP_CHARS:
        k -= 1
    base, sup = name[:k], name[k:]
    if "_" in base:
        b, sub = base.split("_", 1)
        return Sym(b, sub, sup)
    i = len(base)
    while i > 0 and base[i - 1].isascii() and base[i - 1].isdigit():
        i -= 1
    if 0 < i < len(base):
        return Sym(base[:i], base[i:], sup)
    return Sym(base, "", sup)


def _sym(s: Sym) -> str:
    if s.base.startswith("∂") and len(s.base) > 1 and not s.sub and not s.sup and "/" not in s.base:
        return f"<mrow><mo>∂</mo>{_sym(_label(s.base[1:]))}</mrow>"
    if not s.sub and not s.sup and " " not in s.base and "/" not in s.base:
        parsed = _label(s.base)  # a whole label as the base: w5⁺ → w₅⁺
        if parsed.sub or parsed.sup:
            return _sym(parsed)
    base = _ident(s.base)
    if s.sub and s.sup:
        return f"<msubsup>{base}{_script(s.sub)}{_script(s.sup)}</msubsup>"
    if s.sub:
        return f"<msub>{base}{_script(s.sub)}</msub>"
    if s.sup:
        return f"<msup>{base}{_script(s.sup)}</msup>"
    return base


_LAYER = ("∇W", "∇b", "Z", "A", "Δ", "W", "b")


def symbol(name: str, layer: bool = False) -> Markup:
    """A quantity's name (``δ_o1``, ``net_h1``, ``w5⁺``, ``∂E/∂w5``) as inline MathML.

    ``layer``: the layer granularity's names (Z1, ∇W2, W2⁺) carry the layer as a superscript."""
    if layer:
        for base in _LAYER:
            rest = name[len(base) :]
            if name.startswith(base) and rest.rstrip("⁺").isdigit():
                sup = rest.rstrip("⁺") + ("+" if rest.endswith("⁺") else "")
                inner = f"<msup>{_ident(base)}{_script(sup)}</msup>"
                return Markup(f'<math alttext="{escape(name)}">{inner}</math>')
        if name.startswith("∂E/∂A") and name[5:].isdigit():
            inner = (
                f"<mfrac><mrow><mo>∂</mo><mi>E</mi></mrow><mrow><mo>∂</mo>"
                f"<msup><mi>A</mi><mn>{escape(name[5:])}</mn></msup></mrow></mfrac>"
            )
            return Markup(f'<math alttext="{escape(name)}">{inner}</math>')
    if name.startswith("∂E/∂"):
        inner = (
            "<mfrac><mrow><mo>∂</mo><mi>E</mi></mrow>"
            f"<mrow><mo>∂</mo>{_sym(_label(name[4:]))}</mrow></mfrac>"
        )
    elif name.startswith("η·∂E/∂"):
        inner = (
            f"<mrow><mi>η</mi><mo>·</mo><mfrac><mrow><mo>∂</mo><mi>E</mi></mrow>"
            f"<mrow><mo>∂</mo>{_sym(_label(name[6:]))}</mrow></mfrac></mrow>"
        )
    else:
        inner = _sym(_label(name))
    return Markup(f'<math alttext="{escape(name)}">{inner}</math>')
