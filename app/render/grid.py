"""The first two stages of the diagram's layout: ``sizes`` (what the longest texts need: the
font, the circles, the cards, the labels) and ``grid`` (where the columns and rows go, and the
picture's size). Every number is named in ``spacing.py``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine import Scenario

from . import words
from .geometry import Values
from .spacing import SPACING as S
from .svg import LINE_H, PAD, Line, block_size, text_width

# -- sizes: what the longest texts need ------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    fs: float
    name_fs: float
    r: float  # the circles' radius
    cards: bool  # the neurons' values on the picture (else in hover text only)
    card: tuple[float, float]  # the largest card of values: width, height
    side: tuple[float, float]  # the largest target and error beside an output
    label_w: float  # the widest edge label (0 when edge labels are not tried)
    small: bool  # every layer pair has few enough edges to label them
    linked: bool  # marks link to their edit fields

    @property
    def lh(self) -> float:
        return self.fs * LINE_H


def _card_lines_max(s: Scenario, v: Values, li: int, j: int) -> list[Line]:
    """The most a neuron's card will hold during the iteration (its bias last)."""
    if li == 0:
        return words.input_lines(s, s.labels.neurons[0][j], v.out(0, j), v.dout(0, j), v.f)
    lines = words.neuron_lines(s, v.net(li, j), v.out(li, j), v.delta(li, j), v.f)
    return lines + (bias_lines_max(s, v, li - 1, j) if shows_bias(s, v, li - 1) else [])


def _side_lines_max(s: Scenario, v: Values, k: int) -> list[Line]:
    return words.side_lines(s, float(s.targets[v.s, k]), v.errors.get(k), v.f)


def edge_lines_max(s: Scenario, v: Values, li: int, i: int, j: int) -> list[Line]:
    """An edge label at its longest: "w5 0.4 → 0.35891648" / "∂E/∂w5 0.082167041"."""
    values = (v.w(li, i, j), v.nw(li, i, j), v.gw(li, i, j))
    return list(words.label_lines(s, s.labels.weights[li][i][j], values, v.f)[1:])


def bias_lines_max(s: Scenario, v: Values, li: int, j: int) -> list[Line]:
    values = (v.b(li, j), v.nb(li, j), v.gb(li, j))
    return list(words.label_lines(s, s.labels.biases[li][j], values, v.f)[1:])


def shows_bias(s: Scenario, v: Values, li: int) -> bool:
    """Layer li + 1's cards show each neuron's bias: the biases differ or change (a layer's
    one unchanged bias is its square's caption)."""
    uniform = len({v.b(li, j) for j in range(s.layers[li + 1])}) == 1
    return not uniform or s.update_biases


def _largest(blocks: Iterable[list[Line]], fs: float) -> tuple[float, float]:
    sizes = [block_size(lines, fs) for lines in blocks]
    return max((w for w, _ in sizes), default=0.0), max((h for _, h in sizes), default=0.0)


def pairs(layers: Sequence[int]) -> Iterable[tuple[int, int, int]]:
    """Every weight's (li, i, j), layer pair by layer pair."""
    for li in range(len(layers) - 1):
        for i in range(layers[li]):
            for j in range(layers[li + 1]):
                yield li, i, j


def sizes(s: Scenario, v: Values, fs: float, cards: bool) -> Sizes:
    layers = s.layers
    L = len(layers) - 1
    card = (0.0, 0.0)
    if cards:
        card = _largest(
            (_card_lines_max(s, v, li, j) for li in range(L + 1) for j in range(layers[li])), fs
        )
    side = _largest((_side_lines_max(s, v, k) for k in range(layers[L])), fs)
    if not cards:
        side = (0.0, 0.0)
    name_fs = fs + S.name_larger
    widest_name = max(text_width(n, name_fs, bold=True) for ns in s.labels.neurons for n in ns)
    r = max(fs * S.radius_min_em, min(fs * S.radius_max_em, widest_name / 2 + S.radius_name_pad))
    small = all(layers[li] * layers[li + 1] <= S.max_labelled_edges for li in range(L))
    label_w = 0.0
    if small:
        label_w = _largest((edge_lines_max(s, v, *w) for w in pairs(layers)), fs)[0]
    n_edges = sum(layers[li] * layers[li + 1] for li in range(L))
    return Sizes(fs, name_fs, r, cards, card, side, label_w, small, n_edges <= S.max_linked)


# -- grid: where the columns and rows go ---------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """Where every neuron and bias square goes, and the picture's size."""

    size: Sizes
    layers: tuple[int, ...]
    vertical: bool
    col_gap: float  # between layers
    row_gap: float  # between neurons of a layer
    ml: float  # the first layer's centre line (left edge, or top when vertical)
    first_y: float
    center: float  # the middle of the widest layer, across
    width: float
    height: float
    bias_x: float
    bias_y: float
    bias_sq: float
    side_top: float = 0.0  # layers down: from an output's centre to its target's box

    def pos(self, li: int, j: int) -> tuple[float, float]:
        n = self.layers[li]
        across = self.center + (j - (n - 1) / 2) * self.row_gap
        if self.vertical:
            return across, self.first_y + li * self.col_gap
        return self.ml + li * self.col_gap, across

    def bias_pos(self, li: int) -> tuple[float, float]:
        """The square of layer li + 1's biases: above the column it feeds from, or left of it."""
        if self.vertical:
            return self.bias_x, self.first_y + li * self.col_gap
        return self.ml + li * self.col_gap, self.bias_y


def grid(sz: Sizes, s: Scenario, v: Values, extra: float, vertical: bool) -> Grid | None:
    grid = _grid_down(sz, s, v, extra) if vertical else _grid_across(sz, s.layers, extra)
    if grid.height > S.max_height and sz.cards:
        return None
    return grid


def _grid_across(sz: Sizes, layers: tuple[int, ...], extra: float) -> Grid:
    """Layers left to right, the bias row on top, values below each neuron."""
    r, (card_w, card_h), (side_w, _) = sz.r, sz.card, sz.side
    L, max_n = len(layers) - 1, max(layers)
    caption_h = sz.lh * S.caption_rows + PAD
    label_gap = min(sz.label_w * S.col_label_scale + S.col_label_pad, S.col_label_max)
    col_gap = max(
        card_w + S.col_card_pad, 2 * r + S.col_circle_pad, label_gap if sz.small else 0, S.col_min
    )
    row_gap = max(2 * r + card_h + S.row_card_pad, 2 * r + S.row_circle_pad) + extra * sz.lh
    top = PAD + caption_h + S.top_gaps[0] + S.top_gaps[1]
    first_y = top + r + S.first_row_gap
    ml = max(card_w / 2, r) + S.margin
    mr = max(r + (side_w + S.side_pad if sz.cards else 0), card_w / 2) + S.margin
    height = (
        first_y + (max_n - 1) * row_gap + r + (card_h + S.card_bottom if sz.cards else 0) + S.margin
    )
    return Grid(
        sz,
        layers,
        False,
        col_gap,
        row_gap,
        ml,
        first_y,
        center=first_y + (max_n - 1) * row_gap / 2,
        width=ml + L * col_gap + mr,
        height=height,
        bias_x=0.0,
        bias_y=PAD + caption_h + S.bias_row_gap,
        bias_sq=sz.fs * S.bias_square_em,
    )


def _grid_down(sz: Sizes, s: Scenario, v: Values, extra: float) -> Grid:
    """Layers top to bottom, the biases on the left, values beside each neuron."""
    r, (card_w, card_h), (_, side_h) = sz.r, sz.card, sz.side
    layers = s.layers
    L, max_n = len(layers) - 1, max(layers)
    caption_h = sz.lh * S.caption_rows + PAD
    bias_sq = sz.fs * S.bias_square_em
    cap_w = 2 * PAD + max(
        text_width(
            bias_caption(s.labels.biases[li], [v.b(li, j) for j in range(layers[li + 1])], v),
            sz.fs,
        )
        for li in range(L)
    )
    col_gap = (
        max(
            2 * r + card_h + S.down_gap,
            2 * r + (side_h + S.down_side_pad if sz.cards else 0) + S.down_gap,
        )
        + extra * sz.lh
    )
    row_gap = max(
        2 * r + card_w + S.down_card_pad,
        2 * r + S.down_circle_pad,
        min(sz.label_w * S.down_label_scale, S.down_label_max) if sz.small else 0,
    )
    ml = cap_w + r + S.down_margin_gap
    first_y = max(r, caption_h + bias_sq) + S.down_top_gap
    end = S.down_card_pad_end
    below = max(r, card_h / 2)  # the target goes under the circle and the card beside it
    return Grid(
        sz,
        layers,
        True,
        col_gap,
        row_gap,
        ml,
        first_y,
        center=ml + (max_n - 1) * row_gap / 2,
        width=ml + (max_n - 1) * row_gap + r + (card_w + end if sz.cards else 0) + S.down_end,
        height=first_y + L * col_gap + below + (side_h + end if sz.cards else 0) + S.down_end,
        bias_x=cap_w / 2 + S.bias_column_gap,
        bias_y=0.0,
        bias_sq=bias_sq,
        side_top=below + S.side_gap_down,
    )


def bias_caption(labels: Sequence[str], values: Sequence[float], v: Values) -> str:
    """ "b1 = 0.35" when a layer shares one bias, "b_h1, b_h2 = 0" when they are all equal."""
    names = list(dict.fromkeys(labels))
    if len(set(values)) != 1:
        return names[0] if len(names) == 1 else "biases"
    if len(names) == 1:
        return f"{names[0]} = {v.f(values[0])}"
    if len(names) <= 3:
        return ", ".join(names) + f" = {v.f(values[0])}"
    return f"biases = {v.f(values[0])}"
