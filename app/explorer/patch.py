"""What changed between two renders of an element, as htmx out-of-band operations.

A step changes little of the page the learner holds: a few edges highlighted (drawn last, over
the others) and values revealed on the diagram, the step's text (the timeline's marks are
written from data: timeline_answer.py).
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
import functools
import re

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*>")
VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"})
WHOLE = frozenset({"table", "thead", "tbody", "tfoot", "tr", "math", "textarea", "select", "title"})
# leaves that cannot hold another of their kind: their end is found without reading their tags
OPAQUE = frozenset({"math", "textarea", "select", "title"})
MAX_DEPTH = 6  # figure > div > svg > group > piece: deeper pieces are replaced whole
Span = tuple[int, int]


class Tree:
    """Where every element of a render starts and ends, and its top-level children (text
    between them left out), found in one pass over its tags: an element is looked at level
    after level while its changes are worked out, its text read once. A step kept
    (partial.Held) keeps its parts' trees: the step shown by the next click is read no more."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.kids: dict[int, list[Span]] = {}  # an element's start: its children
        self.texts: dict[int, str] = {}  # an element's start: its own text, once worked out
        stack: list[tuple[int, list[Span]]] = [(-1, [])]
        at = 0
        while (tag := _TAG.search(html, at)) is not None:
            at = tag.end()
            if tag.group(1):
                if len(stack) > 1:  # a stray end tag closes nothing
                    start, kids = stack.pop()
                    self.kids[start] = kids
                    stack[-1][1].append((start, at))
                continue
            name = tag.group(2).lower()
            if name in VOID or html[at - 2] == "/":  # (``/>``)
                stack[-1][1].append((tag.start(), at))
            elif name in OPAQUE and (end := html.find(f"</{name}>", at)) >= 0:
                at = end + len(name) + 3  # a formula: whole, its many tags not read
                stack[-1][1].append((tag.start(), at))
            else:
                stack.append((tag.start(), []))

    def root(self) -> Element:
        """The element the render is (its first tag starts it)."""
        return Element(self.html, self, 0)

    def element(self, span: Span) -> Element:
        return Element(self.html[span[0] : span[1]], self, span[0])


class Element:
    """An element in a render: its text, start tag, name and top-level children."""

    def __init__(self, html: str, tree: Tree | None = None, offset: int = 0) -> None:
        self.html = html
        tag = _TAG.match(html)
        if tag is None or tag.group(1):
            raise ValueError("not an element")
        self.name = tag.group(2).lower()
        self.start_tag = tag.group(0)
        self.name_end = tag.end(2)
        self.leaf = self.name in VOID or self.start_tag.endswith("/>") or self.name in WHOLE
        self.inner: Span = (tag.end(), html.rindex("<") if not self.leaf else tag.end())
        self._tree, self._offset = tree, offset

    @functools.cached_property
    def spans(self) -> list[Span]:
        """The children's places in ``html``."""
        if self._tree is None:
            self._tree, self._offset = Tree(self.html), 0
        at = self._offset
        return [(a - at, b - at) for a, b in self._tree.kids.get(at, [])]

    def kids(self) -> list[Element]:
        return [self.kid(k) for k in range(len(self.spans))]

    def kids_html(self) -> list[str]:
        """The children's renders (an element of each made only where it is looked into)."""
        return [self.html[a:b] for a, b in self.spans]

    def kid(self, k: int) -> Element:
        a, b = self.spans[k]
        assert self._tree is not None  # set by spans
        return self._tree.element((a + self._offset, b + self._offset))

    def text_between(self) -> str:
        """The element's own text (its children cut out), whitespace-normalised."""
        spans = self.spans  # (reads the tree)
        assert self._tree is not None
        known = self._tree.texts.get(self._offset)
        if known is not None:
            return known
        out, at = [], self.inner[0]
        for a, b in spans:
            out.append(self.html[at:a])
            at = b
        out.append(self.html[at : self.inner[1]])
        text = self._tree.texts[self._offset] = " ".join("".join(out).split())
        return text

    def marked(self, how: str) -> str:
        return f'{self.html[: self.name_end]} hx-swap-oob="{how}"{self.html[self.name_end :]}'

    def marked_size(self, how: str) -> int:
        """The length of ``marked(how)``, without writing it."""
        return len(self.html) + len(f' hx-swap-oob="{how}"')

    def attrs_only(self, how: str) -> str:
        """The element's start tag alone, marked, and closed: what an ``attrs`` swap reads."""
        tag = self.start_tag
        opened = f'{tag[: self.name_end]} hx-swap-oob="{how}"{tag[self.name_end :]}'
        return opened if self.name in VOID else f"{opened}</{self.name}>"


def attrs_swap(piece: str, sel: str) -> str:
    """The ``attrs`` swap giving the element at ``sel`` the attributes of the element that
    ``piece`` starts with (its start tag is enough)."""
    return Element(piece).attrs_only(f"attrs:{sel}")


Op = tuple[bool, str]  # (inside a picture, the operation)


def _children_ops(old: Element, new: Element, sel: str, in_svg: bool, depth: int) -> list[Op]:
    """Operations on the children of the element at ``sel`` (the same tag in both), from the
    last change to the first, so that each place is counted among the children as they still
    are. Children equal in both stay; among the others, those with the same start tag are
    patched in turn, the rest deleted and inserted."""
    kids_old, kids_new = old.kids_html(), new.kids_html()
    svg = in_svg or new.name == "svg"
    tags_old = [_identity(k) for k in kids_old]
    tags_new = [_identity(k) for k in kids_new]
    reordered = _reordered(tags_old, tags_new)
    if reordered is not None:
        return _reorder_ops(old.kids(), new.kids(), reordered, sel, svg, depth)
    if tags_old == tags_new and _in_place(kids_old, kids_new):
        changed = [i for i in reversed(range(len(kids_new))) if kids_old[i] != kids_new[i]]
        return [
            op
            for i in changed
            for op in _element_ops(
                old.kid(i), new.kid(i), _place(sel, i, _start_tag(kids_new[i])), svg, depth
            )
        ]
    ops: list[Op] = []
    same = difflib.SequenceMatcher(None, kids_old, kids_new, autojunk=False)
    for op, i1, i2, j1, j2 in reversed(same.get_opcodes()):
        if op == "equal":
            continue
        tags = difflib.SequenceMatcher(None, tags_old[i1:i2], tags_new[j1:j2], autojunk=False)
        for tag_op, a1, a2, b1, b2 in reversed(tags.get_opcodes()):
            if tag_op != "equal":
                ops += moved(sel, svg, i1 + a1, i1 + a2, kids_new[j1 + b1 : j1 + b2])
                continue
            for k in reversed(range(a2 - a1)):
                i, j = i1 + a1 + k, j1 + b1 + k
                place = _place(sel, i, _start_tag(kids_new[j]))
                ops += _element_ops(old.kid(i), new.kid(j), place, svg, depth)
    return ops


def _in_place(kids_old: list[str], kids_new: list[str]) -> bool:
    """Whether a child found in both renders is found at its own place alone: then the
    children's diff (``difflib``) pairs each child with the one at its place, and the step
    is worked out without it (the same operations, in the same order)."""
    places: dict[str, set[int]] = {}
    for i, kid in enumerate(kids_old):
        places.setdefault(kid, set()).add(i)
    return all(places.get(kid, {j}) == {j} for j, kid in enumerate(kids_new))


def _reordered(keys_old: list[str], keys_new: list[str]) -> list[int] | None:
    """Where the children that stay were (their places among the old children), in their new
    order, when children that say who they are (``_identity``) changed order; else None."""
    if len(set(keys_old)) != len(keys_old) or len(set(keys_new)) != len(keys_new):
        return None
    was = {key: i for i, key in enumerate(keys_old)}
    order = [was[key] for key in keys_new if key in was]
    if order == sorted(order):
        return None
    return order


def _reorder_ops(
    kids_old: list[Element],
    kids_new: list[Element],
    order: list[int],
    sel: str,
    svg: bool,
    depth: int,
) -> list[Op]:
    """Children that moved: the ``order`` swap of static/js/explorer.js keeps the old children
    listed (``order``, as ranges) in that order and drops the others; then the new children
    are inserted and the changed ones patched, each at its new place."""
    ops = [order_op(sel, svg, order)]
    old_of = {_identity(k.html): k for k in kids_old}
    patches: list[Op] = []
    for j, kid in enumerate(kids_new):
        before = old_of.get(_identity(kid.html))
        if before is None:
            ops += inserted(sel, svg, j, kid.html)
        elif before.html != kid.html:
            place = _place(sel, j, kid.start_tag)
            patches += _element_ops(before, kid, place, svg, depth)
    return ops + patches


def order_op(sel: str, svg: bool, order: list[int]) -> Op:
    """The ``order`` swap: the children of ``sel`` at the places listed, in that order."""
    holder = "g" if svg else "i"
    return (svg, f'<{holder} hx-swap-oob="order:{sel}" data-order="{_ranges(order)}"></{holder}>')


def inserted(sel: str, svg: bool, index: int, piece: str) -> list[Op]:
    """``piece`` put among the children of ``sel`` as the child ``index`` (0-based)."""
    return moved(sel, svg, index, index, [piece])


def _ranges(order: list[int]) -> str:
    """0 1 2 5 3 4 as "0-2 5 3-4"."""
    runs: list[list[int]] = []
    for i in order:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return " ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in runs)


_WHO = re.compile(r'\s(?:id|data-edge|data-neuron|href)="([^"]*)"')


def _identity(piece: str) -> str:
    """What a child is, whatever its attributes say at this step: its name and its id (or
    the edge, neuron or field it draws), so that a child that moved is told from one that
    changed."""
    tag = _TAG.match(piece)
    if tag is None:
        return piece
    who = _WHO.search(tag.group(0))
    return f"{tag.group(2)}#{who.group(1)}" if who else tag.group(2)


ID = re.compile(r'\sid="([^"]+)"')


def _start_tag(piece: str) -> str:
    tag = _TAG.match(piece)
    return tag.group(0) if tag else piece


def _place(sel: str, index: int, start_tag: str) -> str:
    """A child's selector: by its id if it has one, else by its place in its parent."""
    ident = ID.search(start_tag)
    return f"#{ident.group(1)}" if ident else f"{sel} > :nth-child({index + 1})"


def moved(sel: str, svg: bool, i1: int, i2: int, pieces: list[str]) -> list[Op]:
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


def element_ops(
    old: str, new: str, sel: str, in_svg: bool, depth: int, copies: int = 1
) -> list[Op]:
    """The operations turning the element ``old`` at ``sel`` into ``new``: its attributes' and
    children's, or the whole element when that is shorter (``copies``: the whole element is
    sent for each of that many copies of the page's part, the operations once) or its own
    text changed."""
    if old == new:
        return []
    return _element_ops(Element(old), Element(new), sel, in_svg, depth, copies)


def _element_ops(
    before: Element, after: Element, sel: str, in_svg: bool, depth: int, copies: int = 1
) -> list[Op]:
    """``element_ops`` of two elements (their trees read once, whatever the depth)."""
    if before.html == after.html:
        return []
    how = f"outerHTML:{sel}"

    def whole() -> list[Op]:  # the whole element, written only when it is sent (a copy)
        return [(in_svg, after.marked(how))]

    if depth <= 0 or after.leaf:
        return whole()
    ops = _attrs_ops(before, after, sel, in_svg)
    if _rest(before) != _rest(after):  # more than its attributes (a step's mark) changed
        if not _same_shape(before, after):
            return whole()
        ops += _children_ops(before, after, sel, in_svg, depth - 1)
    return ops if _size(ops) < copies * after.marked_size(how) else whole()


def _same_shape(before: Element, after: Element) -> bool:
    """Whether ``after`` can be reached from ``before`` by its attributes and children alone
    (the same element, neither a leaf, the same text of its own)."""
    return (
        not after.leaf
        and before.name == after.name
        and before.text_between() == after.text_between()
    )


def _rest(element: Element) -> str:
    """What follows the element's start tag: its content and end tag."""
    return element.html[len(element.start_tag) :]


def _attrs_ops(before: Element, after: Element, sel: str, in_svg: bool) -> list[Op]:
    """The operation giving the element at ``sel`` the attributes of ``after`` (none if they
    are the same): static/js/explorer.js's ``attrs`` swap."""
    if before.start_tag == after.start_tag:
        return []
    return [(in_svg, after.attrs_only(f"attrs:{sel}"))]


def _size(ops: list[Op]) -> int:
    return sum(len(text) for _, text in ops)


def joined(ops: list[Op]) -> str:
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


def patch(old: str | Tree, new: str | Tree, ident: str, holds: bool = False) -> str:
    """The operations turning the element with id ``ident``, rendered as ``old``, into
    ``new`` (each a render, or its tree as kept): "" when nothing changed, the new element
    (``hx-swap-oob="true"``) when that is the shortest, unless it ``holds`` a part the page
    filled in a stub's place (sent whole, it would lose it)."""
    before, after = (t.root() if isinstance(t, Tree) else Element(t) for t in (old, new))
    if before.html == after.html:
        return ""
    if "hx-swap-oob=" in after.start_tag:  # it says how it is swapped
        return after.html
    whole = after.marked("true")
    if not _same_shape(before, after):
        return whole
    sel, svg = f"#{ident}", after.name == "svg"
    ops = _attrs_ops(before, after, sel, svg) + _children_ops(before, after, sel, svg, MAX_DEPTH)
    text = joined(ops)
    return text if holds or len(text) < len(whole) else whole
