"""What changed between two renders of an element, as htmx out-of-band operations.

A step changes little of the page the learner holds: a few edges highlighted (drawn last, over
the others) and values revealed on the diagram, the timeline's current mark, the step's text.
Given the element as the page shows it (``old``) and as the new step renders it (``new``), both
as the templates wrote them, ``patch`` writes the operations that turn one into the other: where
an element's own tag is unchanged, its children are matched (``difflib``) and the ones that
differ are patched in turn, or deleted and inserted by their place (``:nth-child``); otherwise,
or when it is shorter, the element is replaced whole. An operation inside a picture travels in
an ``<svg>`` wrapper so that the browser reads its pieces as SVG (htmx drops the wrapper).

Tables and formulas are replaced whole (a row or a MathML piece cannot travel alone).
"""

from __future__ import annotations

import difflib
import re

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*>")
VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"})
WHOLE = frozenset({"table", "thead", "tbody", "tfoot", "tr", "math", "textarea", "select", "title"})
MAX_DEPTH = 6  # figure > div > svg > group > piece: deeper pieces are replaced whole
Span = tuple[int, int]


def children(html: str, start: int, end: int) -> list[Span]:
    """The top-level elements between ``start`` and ``end`` (an element's content); text
    between them is left out."""
    found: list[Span] = []
    depth, opened = 0, start
    for tag in _TAG.finditer(html, start, end):
        name = tag.group(2).lower()
        if tag.group(1):
            depth -= 1
            if depth == 0:
                found.append((opened, tag.end()))
        elif tag.group(0).endswith("/>") or name in VOID:
            if depth == 0:
                found.append((tag.start(), tag.end()))
        else:
            if depth == 0:
                opened = tag.start()
            depth += 1
    return found


class Element:
    """An element in a render: its text, start tag, name and top-level children."""

    def __init__(self, html: str) -> None:
        self.html = html
        tag = _TAG.match(html)
        if tag is None or tag.group(1):
            raise ValueError("not an element")
        self.name = tag.group(2).lower()
        self.start_tag = tag.group(0)
        self.name_end = tag.end(2)
        self.leaf = self.name in VOID or self.start_tag.endswith("/>") or self.name in WHOLE
        self.inner: Span = (tag.end(), html.rindex("<") if not self.leaf else tag.end())
        self._spans: list[Span] | None = None

    @property
    def spans(self) -> list[Span]:
        if self._spans is None:
            self._spans = children(self.html, *self.inner)
        return self._spans

    def kids(self) -> list[str]:
        return [self.html[a:b] for a, b in self.spans]

    def text_between(self) -> str:
        """The element's own text (its children cut out), whitespace-normalised."""
        out, at = [], self.inner[0]
        for a, b in self.spans:
            out.append(self.html[at:a])
            at = b
        out.append(self.html[at : self.inner[1]])
        return " ".join("".join(out).split())

    def marked(self, how: str) -> str:
        return f'{self.html[: self.name_end]} hx-swap-oob="{how}"{self.html[self.name_end :]}'


Op = tuple[bool, str]  # (inside a picture, the operation)


def _children_ops(old: Element, new: Element, sel: str, in_svg: bool, depth: int) -> list[Op]:
    """Operations on the children of the element at ``sel`` (the same tag in both), from the
    last change to the first, so that each place is counted among the children as they still
    are. Children equal in both stay; among the others, those with the same start tag are
    patched in turn, the rest deleted and inserted."""
    kids_old, kids_new = old.kids(), new.kids()
    svg = in_svg or new.name == "svg"
    tags_old = [_start(k) for k in kids_old]
    tags_new = [_start(k) for k in kids_new]
    ops: list[Op] = []
    same = difflib.SequenceMatcher(None, kids_old, kids_new, autojunk=False)
    for op, i1, i2, j1, j2 in reversed(same.get_opcodes()):
        if op == "equal":
            continue
        tags = difflib.SequenceMatcher(None, tags_old[i1:i2], tags_new[j1:j2], autojunk=False)
        for tag_op, a1, a2, b1, b2 in reversed(tags.get_opcodes()):
            if tag_op != "equal":
                ops += _moved(sel, svg, i1 + a1, i1 + a2, kids_new[j1 + b1 : j1 + b2])
                continue
            for k in reversed(range(a2 - a1)):
                i, j = i1 + a1 + k, j1 + b1 + k
                place = _place(sel, i, tags_new[j])
                ops += _element_ops(kids_old[i], kids_new[j], place, svg, depth)
    return ops


def _start(piece: str) -> str:
    tag = _TAG.match(piece)
    return tag.group(0) if tag else piece


ID = re.compile(r'\sid="([^"]+)"')


def _place(sel: str, index: int, start_tag: str) -> str:
    """A child's selector: by its id if it has one, else by its place in its parent."""
    ident = ID.search(start_tag)
    return f"#{ident.group(1)}" if ident else f"{sel} > :nth-child({index + 1})"


def _moved(sel: str, svg: bool, i1: int, i2: int, pieces: list[str]) -> list[Op]:
    """The children ``i1`` to ``i2`` (0-based) of ``sel`` deleted, ``pieces`` put there."""
    if i2 - i1 == len(pieces) == 1:  # one for one: replaced where it is
        return [(svg, Element(pieces[0]).marked(f"outerHTML:{sel} > :nth-child({i1 + 1})"))]
    holder = "g" if svg else "i"
    ops = [
        (svg, f'<{holder} hx-swap-oob="delete:{sel} > :nth-child({i1 + 1})"></{holder}>')
        for _ in range(i2 - i1)
    ]
    if pieces:
        where = f"afterend:{sel} > :nth-child({i1})" if i1 else f"afterbegin:{sel}"
        holder = "g" if svg else "div"
        ops.append((svg, f'<{holder} hx-swap-oob="{where}">{"".join(pieces)}</{holder}>'))
    return ops


def _element_ops(old: str, new: str, sel: str, in_svg: bool, depth: int) -> list[Op]:
    """The operations turning the element ``old`` at ``sel`` into ``new``: its children's,
    or the whole element when that is shorter or its own tag or text changed."""
    if old == new:
        return []
    after = Element(new)
    whole = [(in_svg, after.marked(f"outerHTML:{sel}"))]
    before = Element(old)
    if (
        depth <= 0
        or after.leaf
        or before.start_tag != after.start_tag
        or before.text_between() != after.text_between()
    ):
        return whole
    ops = _children_ops(before, after, sel, in_svg, depth - 1)
    return ops if _size(ops) < _size(whole) else whole


def _size(ops: list[Op]) -> int:
    return sum(len(text) for _, text in ops)


def _joined(ops: list[Op]) -> str:
    """The operations in order, each run of operations inside a picture in one wrapper."""
    out: list[str] = []
    opened = False
    for svg, text in ops:
        if svg != opened:
            out.append("<svg hidden>" if svg else "</svg>")
            opened = svg
        out.append(text)
    if opened:
        out.append("</svg>")
    return "".join(out)


def patch(old: str, new: str, ident: str) -> str:
    """The operations turning the element with id ``ident``, rendered as ``old``, into
    ``new``: "" when nothing changed, the new element (``hx-swap-oob="true"``) when that is
    the shortest."""
    if old == new:
        return ""
    after = Element(new)
    whole = after.marked("true") if "hx-swap-oob=" not in after.start_tag else new
    before = Element(old)
    if (
        after.leaf
        or before.start_tag != after.start_tag
        or before.text_between() != after.text_between()
    ):
        return whole
    text = _joined(_children_ops(before, after, f"#{ident}", after.name == "svg", MAX_DEPTH))
    return text if len(text) < len(whole) else whole
