"""How much room a text takes on the diagram, worked out without a browser.

The widths are DejaVu Sans's (Debian's and many Linux desktops' system UI font, and among the
widest of the fonts ``--font`` names: Segoe UI, Roboto and San Francisco set the same text
narrower), rounded up per group of characters and measured in chromium; bold lines (the new
value, the error, a neuron's name) are wider. A box sized here holds its text wherever the page
is read, so labels that do not overlap on paper do not overlap on screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

LINE_H = 1.3  # line height in ems
PAD = 4.0  # around a block's text
BOLD_CLASSES = frozenset({"new", "err"})  # the lines drawn bold (static/css/explorer.css)

_GROUPS = {  # advance in ems: the widest character of each group, rounded up
    0.33: " .,:;!'|·ijlIJ",
    0.41: "frt/-()[]ₛ⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉",
    0.56: "∂_szc",
    0.62: "LFkvxyTPYoδaeη",
    0.64: "0123456789bdgpqShnuEΣ",
    0.71: "KVXZBRCA",
    0.79: "UNHDGOQ",
    0.84: "w−+→=×⊙<>",
    1.0: "MmW",
}
_ADVANCE = {ch: em for em, chars in _GROUPS.items() for ch in chars}
_UNKNOWN = 1.0  # anything else (a label in another script): as wide as an em


SCRIPT_PCT = 80  # a subscript's or layer index's size, in % of its line's

# a label's subscript (b_h1) or layer index (w(L), a(L−1)), as the formulas write them; a
# power after a subscript is not in it (tanh's 1 − out_o1²: out, o1 lowered, then ²)
_SUB = r"[^\W_\u00b2\u00b3\u00b9\u2070-\u209f]+"
_SCRIPT = re.compile(rf"(?<=[^\W_])(?:_({_SUB}(?:\.{_SUB})*)|(\((?:L|L−\d+|\d+)\)))")


def script_parts(text: str) -> list[tuple[str, str]]:
    """The text as drawn: (characters, shift) pieces, shift "" on the line, "sub" for a
    subscript (b_h1: "b", then "h1" lowered; b_h1.2: "h1.2" lowered, as the formulas write it;
    the "_" is never drawn), "super" for a layer
    index (w(L): "w", then "(L)" raised)."""
    out: list[tuple[str, str]] = []
    last = 0
    for m in _SCRIPT.finditer(text):
        if m.start() > last:
            out.append((text[last : m.start()], ""))
        sub, layer = m.group(1), m.group(2)
        out.append((sub or layer, "sub" if sub else "super"))
        last = m.end()
    if last < len(text) or not out:
        out.append((text[last:], ""))
    return out


class Text(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def cls(self) -> str: ...


def _ems(chars: str, bold: bool) -> float:
    if bold:  # DejaVu Sans Bold: about a tenth wider, narrow letters a little more
        return sum(
            max(1.1 * _ADVANCE.get(ch, _UNKNOWN), _ADVANCE.get(ch, _UNKNOWN) + 0.09) for ch in chars
        )
    return sum(_ADVANCE.get(ch, _UNKNOWN) for ch in chars)


def text_width(text: str, fs: float, bold: bool = False) -> float:
    """The drawn width of a diagram text: its visible characters, subscripts and layer indices
    at their smaller size (``script_parts``)."""
    return fs * sum(
        _ems(part, bold) * (SCRIPT_PCT / 100 if shift else 1.0)
        for part, shift in script_parts(text)
    )


def block_size(lines: Sequence[str | Text], fs: float) -> tuple[float, float]:
    """The box of lines of text (a plain string is a regular line), padding included."""
    widths = [
        text_width(t, fs) if isinstance(t, str) else text_width(t.text, fs, t.cls in BOLD_CLASSES)
        for t in lines
    ]
    w = max(widths, default=0.0) + 2 * PAD
    h = len(lines) * fs * LINE_H + PAD
    return w, h
