"""The diagram as chromium draws it (issue 14, "The diagram"): the labels' rendered boxes never
overlap and hold their text, the current step's weight has its label, text on a phone is never
smaller than 12 px, a tap or a focus shows a mark's values, and axe finds nothing in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.explorer.state import make_scratch, preset_state, scratch_state, url
from engine import PRESETS

from .axe import TAGS, inject
from .conftest import TWO_FRAMES, Shots, Watch

pytestmark = pytest.mark.e2e

MIN_PX = 12.0  # docs/DESIGN.md: no diagram text under 12 px on a phone

# every text block of the shown picture: its rect and its lines' boxes, in CSS px
SHOWN = "[...document.querySelectorAll('svg.diagram')].find(s => s.getBoundingClientRect().width)"
BLOCKS = (
    """() => {
  const svg = """
    + SHOWN
    + """;
  const box = r => ({x: r.x, y: r.y, w: r.width, h: r.height});
  return [...svg.querySelectorAll('g.tb')].map(g => ({
    cls: g.getAttribute('class'),
    rect: box(g.querySelector('rect').getBoundingClientRect()),
    lines: [...g.querySelectorAll('text')].map(
      t => ({text: t.textContent, ...box(t.getBoundingClientRect())})),
  }));
}"""
)

# every text of the shown picture and the size it is drawn at on screen
SIZES = (
    """() => {
  const svg = """
    + SHOWN
    + """;
  return [...svg.querySelectorAll('text')].map(t => ({
    text: t.textContent,
    px: parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a,
  }));
}"""
)


def _scratch(shape: str) -> str:
    st = scratch_state(make_scratch(shape, "tanh", "sigmoid", "half_sse", "random", "1"))
    return url(replace(st, granularity="neuron"))


def _at(link: str, at: int) -> str:
    return link + ("&" if "?" in link else "?") + f"at={at}"


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def _check_blocks(blocks: list[dict[str, Any]], where: str) -> None:
    for k, a in enumerate(blocks):
        for line in a["lines"]:  # the text stays in its box (half a pixel of anti-aliasing)
            r = a["rect"]
            assert line["x"] >= r["x"] - 0.5 and line["x"] + line["w"] <= r["x"] + r["w"] + 0.5, (
                where,
                line["text"],
            )
        for b in blocks[k + 1 :]:
            assert not _overlap(a["rect"], b["rect"]), (where, a["lines"], b["lines"])


def _load_at_widths(page: Page, link: str, widths: tuple[int, ...], height: int) -> Iterator[int]:
    """The page loaded once, at the first width, then made each width in turn and drawn twice,
    yielding the width: the same as a load at each width (the server never knows the window,
    media queries and diagram.js, which places the picture, apply again on a resize), one page
    load and render fewer per width after the first."""
    page.set_viewport_size({"width": widths[0], "height": height})
    page.goto(link)
    for width in widths:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate(TWO_FRAMES)
        assert page.evaluate("innerWidth") == width
        yield width


def test_rendered_labels_never_overlap_and_the_steps_weight_is_labelled(
    page: Page, server: str, watch: Watch
) -> None:
    """At 1366 and 400 px, each page loaded once (``_load_at_widths``)."""
    xor = url(replace(preset_state("batch-xor"), granularity="layer"))
    for link, text in [
        (_at(xor, 15), "w5 −0.81 → "),  # the update: w1…w6 and b1…b3 all labelled
        (_at(xor, 18), "b1 0 → "),
        ("/explore/sigmoid-2-2-2?at=29", "w5 0.4 → 0.35891648"),
        (_at(_scratch("3,4,4,2"), 45), "∂E/∂w13 "),  # "Gradient of w13"
        (_at(_scratch("2,8,8,1"), 42), "∂E/∂w"),
    ]:
        for width in _load_at_widths(page, server + link, (1366, 400), 900):
            blocks = page.evaluate(BLOCKS)
            _check_blocks(blocks, f"{link} at {width} px")
            shown = [line["text"] for b in blocks for line in b["lines"]]
            assert any(t.startswith(text) for t in shown), (link, width, text)
    # the step's own label is highlighted with its edge
    for _ in _load_at_widths(page, server + _at(_scratch("3,4,4,2"), 45), (1366, 400), 900):
        expect(page.locator("svg.diagram-wide g.tb.hl")).to_contain_text("∂E/∂w13")


def test_on_a_phone_no_diagram_text_is_under_12_px(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    """At 320 and 400 px, each page loaded once (``_load_at_widths``)."""
    links = [f"/explore/{p}?at=3" for p in PRESETS] + [_at(_scratch("3,4,4,2"), 45)]
    for link in links:
        for width in _load_at_widths(page, server + link, (320, 400), 800):
            small = [t for t in page.evaluate(SIZES) if t["px"] < MIN_PX - 0.01]
            assert not small, (link, width, small[:3])
            # a picture wider than the phone scrolls sideways in a region a keyboard can reach
            region = page.locator("#diagram .diagram-scroll")
            expect(region).to_have_attribute("tabindex", "0")
            expect(region).to_have_attribute("role", "region")
            assert "diagram" in (region.get_attribute("aria-label") or "").lower()
    for width in _load_at_widths(page, server + "/explore/batch-xor?at=3", (320, 400), 800):
        page.evaluate("window.scrollTo(0, 0)")  # where a load leaves it: the picture scrolls in
        shots.take(page.locator("#diagram"), f"diagram-phone-{width}.png")


def test_a_tap_or_a_focus_shows_a_marks_values(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 800}, has_touch=True)
    page = context.new_page()
    page.goto(server + "/explore/sigmoid-2-2-2?at=15")
    readout = page.locator("#diagram .diagram-readout")
    expect(readout).to_be_visible()
    svg = page.locator("svg.diagram-narrow")
    # a tap on w5's line shows its name, value and gradient, and stays on the picture
    line = svg.locator('g[data-edge="1-0-0"] line.hit')
    line.evaluate("l => l.scrollIntoView({block: 'center'})")
    r = line.evaluate(
        "l => { const b = l.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; }"
    )
    page.touchscreen.tap(r[0] + 0.3 * r[2], r[1] + 0.3 * r[3])  # a line 30 % along, off the label
    expect(readout).to_contain_text("w5: h1 → o1; weight = 0.4; ∂E/∂w5 = 0.082167041")
    assert page.url.endswith("?at=15")
    # a neuron that links nowhere (a hidden one) shows its values too
    h1 = svg.locator('g[data-neuron="1-0"] text.name')
    h1.evaluate("t => t.scrollIntoView({block: 'center'})")  # clear of the sticky controls
    h1.tap()
    expect(readout).to_contain_text("h1; net input = 0.3775; output = 0.593269992")
    # the keyboard: a focused mark shows the same
    page.locator('svg.diagram-narrow a.to-field[href="#f-w-1-0-1"]').first.focus()
    expect(readout).to_contain_text("w7: h1 → o2")
    context.close()


def test_axe_finds_nothing_in_the_diagram(browser: Browser, server: str) -> None:
    """At 1366 and 320 px, each page loaded once (``_load_at_widths``)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    for link in ["/explore/sigmoid-2-2-2?at=15", _at(_scratch("3,4,4,2"), 45)]:
        for width in _load_at_widths(page, server + link, (1366, 320), 900):
            inject(page)
            found = page.evaluate(
                "tags => axe.run('#diagram', {runOnly: tags}).then(r => r.violations)", TAGS
            )
            assert not found, (width, [(v["id"], v["nodes"][0]["target"]) for v in found])
    context.close()


@pytest.mark.parametrize("width", [1366, 400])
def test_a_large_network_is_drawn_light_and_its_steps_weight_reads(
    browser: Browser, server: str, shots: Shots, width: int
) -> None:
    """8 × 16 (1,792 weights): the plain lines are a few paths with no hover text, the step's
    weight is drawn apart, named as the picture names it, and a tap or focus reads it."""
    from tests.load.heavy import heavy_path

    context = browser.new_context(viewport={"width": width, "height": 900}, has_touch=True)
    page = context.new_page()
    page.goto(server + heavy_path(2, 1, "neuron", 1400, precision=9))
    svg = page.locator("#diagram-svg")
    assert svg.locator("g.edges path").count() <= 7 * 2 * 12  # pairs × signs × widths
    assert svg.locator("g.edges path title").count() == 0
    hl = svg.locator('g.edge.hl[data-edge="3-11-12"]')  # step 1401: ∂E/∂w972
    expect(hl.locator("title")).to_contain_text("w972: h3.12 → h4.13; weight = ")
    hl.locator("line.hit").dispatch_event("click")
    expect(page.locator("#diagram .diagram-readout")).to_contain_text("∂E/∂w972 = ")
    expect(page.locator("#diagram figcaption")).to_contain_text("table of values")
    hl.scroll_into_view_if_needed()
    shots.take(page, f"diagram-large-{width}.png")
    context.close()


# the shown picture's width against its box's, and its smallest text in CSS px
FIT = (
    """() => {
  const svg = """
    + SHOWN
    + """;
  const box = svg.closest('.diagram-scroll');
  const px = [...svg.querySelectorAll('text')].map(
    t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a);
  return {width: svg.getBoundingClientRect().width, box: box.clientWidth,
          scroll: box.scrollWidth, smallest: Math.min(...px)};
}"""
)


@pytest.mark.parametrize("width", [400, 360])
def test_on_a_phone_the_picture_shrinks_to_its_column_down_to_12_px_text(
    page: Page, server: str, watch: Watch, width: int
) -> None:
    """The single neuron's picture (381 px at its own width) scrolled sideways by a few pixels
    in a 400 px phone's 354 px column: it shrinks to the column, its text still 12 px or more.
    The 2-2-2's cannot fit (478 px at 12 px text): it shrinks to that, and scrolls the rest."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(server + "/explore/single-neuron?at=3")
    seen = page.evaluate(FIT)
    assert seen["scroll"] <= seen["box"] + 1 and seen["smallest"] >= MIN_PX - 0.01, seen
    page.goto(server + "/explore/sigmoid-2-2-2?at=3")
    seen = page.evaluate(FIT)
    assert MIN_PX - 0.01 <= seen["smallest"] <= MIN_PX + 0.1, seen
    assert seen["box"] < seen["width"] <= 480, seen
