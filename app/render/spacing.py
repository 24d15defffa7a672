"""Every number the diagram's layout is made of, named in one place.

Lengths are in the SVG's user units (px at scale 1); ``_em`` ones are multiples of the font
size, ``_lines`` ones of a line of text. ``layout.py`` reads them from ``SPACING``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spacing:
    # -- the search: the largest font, then the least room, with every label on the picture --
    font_sizes: tuple[float, ...] = (13.0, 11.5, 10.0)
    extra_lines: tuple[float, ...] = (0.0, 2.0, 4.0, 6.0)  # more room between rows
    max_height: float = 1800.0  # a taller try is given up (the next font is smaller)
    max_labelled_edges: int = 16  # per layer pair: more and edge labels live in hover text
    max_linked: int = 96  # edges in the network: more and the picture is not a tab trap of links
    # edges in the network: more and the picture is drawn light (``Geometry.light``): the lines
    # that carry no label and are not the step's are one path per layer pair and look, without
    # hover text (their values are in the table of values)
    max_rich_edges: int = 96

    # -- neurons --
    name_larger: float = 1.0  # a neuron's name is this much larger than the values
    radius_min_em: float = 1.7
    radius_max_em: float = 2.4
    radius_name_pad: float = 4.0  # beyond half the longest name's width
    name_inside_pad: float = 6.0  # a name narrower than the circle less this sits inside it
    name_baseline_em: float = 0.35  # of the name's size: its baseline below the centre
    name_gap: float = 6.0  # a name outside its circle: this far from the rim
    name_box_pad: float = 2.0  # around a name outside its circle
    card_gap: float = 6.0  # between a circle's rim and its card of values
    side_gap_across: float = 8.0  # between an output's rim and its target (layers across)
    side_gap_down: float = 6.0  # the same, layers down

    # -- biases --
    bias_square_em: float = 1.1
    caption_gap: float = 4.0  # between a bias square and its caption
    link_start: float = 0.6  # of the square's side: where a bias's dashed link starts

    # -- the grid, layers left to right (the bias row on top, values below each neuron) --
    col_card_pad: float = 36.0  # between two columns' cards
    col_circle_pad: float = 60.0  # between two columns' circles
    col_label_scale: float = 1.65  # of the widest edge label: a column gap that holds two
    col_label_pad: float = 20.0
    col_label_max: float = 360.0
    col_min: float = 150.0
    row_card_pad: float = 26.0  # between a card and the circle below
    row_circle_pad: float = 24.0
    caption_rows: float = 2.0  # lines of text above the bias row
    bias_row_gap: float = 8.0  # between the captions and the bias squares' centres
    top_gaps: tuple[float, float] = (16.0, 12.0)  # below the captions, before the first circle
    first_row_gap: float = 30.0
    margin: float = 14.0  # around the grid
    side_pad: float = 12.0  # beyond an output's target
    card_bottom: float = 10.0  # below the last row's cards

    # -- the grid, layers top to bottom (the biases on the left, values beside each neuron) --
    down_gap: float = 60.0  # between two layers, beyond the circles and cards
    down_side_pad: float = 16.0
    down_card_pad: float = 26.0  # across: between a card and the next circle
    down_circle_pad: float = 40.0
    down_label_scale: float = 1.15
    down_label_max: float = 300.0
    bias_column_gap: float = 4.0  # the bias squares' centres, right of their captions' middle
    down_margin_gap: float = 16.0  # between the bias captions and the first circles
    down_top_gap: float = 14.0
    down_card_pad_end: float = 12.0  # beyond the last card (right), the last target (bottom)
    down_end: float = 10.0

    # -- labels along edges (fractions of the edge from its start, tried in this order) --
    edge_label_at: tuple[float, ...] = (
        *(0.36, 0.3, 0.42, 0.26, 0.48, 0.22, 0.54, 0.6, 0.66, 0.18, 0.72),
    )
    # the current step's weights whose labels have no room on the picture get theirs for the
    # step, placed along the edge (finer than above), over other weights' labels if need be
    focus_label_at: tuple[float, ...] = tuple(
        sorted((round(0.14 + 0.04 * k, 2) for k in range(19)), key=lambda t: abs(t - 0.42))
    )
    focus_shifts: tuple[float, ...] = (0.0, 0.6, -0.6, 1.2, -1.2, 1.8, -1.8)  # heights across
    max_focus_labels: int = 16  # a step touching more weights labels none of them for the step
    inside_margin: float = 1.0  # a label stays this far inside the picture
    label_gap: float = 2.0  # between a label and any other box

    # -- edges: width by |weight| --
    edge_width_min: float = 1.0
    edge_width_range: float = 4.5  # added for the largest |weight|
    edge_width_not_finite: float = 6.0
    edge_width_step_light: float = 0.5  # a light picture's widths, to this step (fewer paths)


SPACING = Spacing()
