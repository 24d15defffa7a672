"""Layout and accessibility a browser alone can judge (issue 14): a long formula wraps inside its
panel; on a phone the step and the picture are on screen together; the step panel has no fold
of its own on a laptop; the focus ring is always visible; the live region says each step;
reduced motion is respected; nothing overflows the page at 200 % zoom."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.explorer.state import loaded_state, preset_state, url
from engine import GRANULARITIES, PRESETS, trace
from tests.load.heavy import heavy_scenario

from .conftest import TWO_FRAMES, Shots, Watch

pytestmark = pytest.mark.e2e

XOR_NEURONS = replace(preset_state("batch-xor"), granularity="neuron")
# the long "with the numbers" lines of issue 14: batch-xor's gradients of w5 and w6 neuron by
# neuron (steps 11 and 12: four sample terms each), the 2-2-2 gradients of w5 and w6 (steps 16
# and 17), a layer-by-layer product of matrices
LONG_LINES = (
    url(XOR_NEURONS, 10),
    url(XOR_NEURONS, 11),
    "/explore/batch-xor?at=10",
    "/explore/sigmoid-2-2-2?at=15",
    "/explore/sigmoid-2-2-2?at=16",
    "/explore/sigmoid-2-2-2?at=23",
    "/explore/linear-2-2-1?at=6",
)
OVERFLOWING = """() => [...document.querySelectorAll('#step-panel .math')]
  .filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.id)"""

# how much of an element's height is on screen, in CSS px
SHOWN_HEIGHT = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0)); }"""

# what the focused element shows: its outline, or (a link on the picture) its shape's stroke
FOCUSED = """() => {
  const el = document.activeElement, cs = getComputedStyle(el);
  const shape = el.querySelector('circle, rect, line');
  const ss = shape ? getComputedStyle(shape) : null;
  return {id: el.id || el.tagName + (el.getAttribute('href') || ''), tag: el.tagName,
          cls: el.getAttribute('class') || '', style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth), color: cs.outlineColor,
          stroke: ss ? ss.stroke : '', opacity: ss ? ss.strokeOpacity : '1'};
}"""


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    def lum(rgb: tuple[int, ...]) -> float:
        c = [x / 255 for x in rgb[:3]]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rgb(css: str) -> tuple[int, ...]:
    """``rgb(138, 82, 0)`` → (138, 82, 0)."""
    return tuple(int(float(x)) for x in css[css.index("(") + 1 : -1].split(",")[:3])


WIDE_AND_NARROW = (1366, 400)


def at_width(page: Page, width: int) -> None:
    """The page as it is, its window ``width`` px wide and drawn (twice) since. The same as the
    page loaded at that width: the server never knows the window, the style sheets' media
    queries apply again on a resize, and diagram.js (the only script that measures the window)
    runs again on one; it saves a page load and its render."""
    page.set_viewport_size({"width": width, "height": 860})
    page.evaluate(TWO_FRAMES)
    assert page.evaluate("innerWidth") == width


def test_a_long_formula_wraps_at_an_operator_inside_its_panel(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    """At 1366 and 400 px: each page loaded once, at both widths (``at_width``)."""
    for path in LONG_LINES:
        page.set_viewport_size({"width": WIDE_AND_NARROW[0], "height": 860})
        page.goto(server + path)
        for width in WIDE_AND_NARROW:
            at_width(page, width)
            assert page.evaluate(OVERFLOWING) == [], (path, width)
            # every piece of the line is on screen, each term whole
            terms = page.locator("#substituted .term")
            assert terms.count() >= 2, (path, width)
    page.set_viewport_size({"width": WIDE_AND_NARROW[0], "height": 860})
    page.goto(server + url(XOR_NEURONS, 10))
    for width in WIDE_AND_NARROW:
        at_width(page, width)
        lines = page.evaluate(
            "() => new Set([...document.querySelectorAll('#substituted .term')]"
            ".map(t => Math.round(t.getBoundingClientRect().top))).size"
        )
        assert lines >= 2, width  # four sample terms do not fit one line of the step panel
        shots.take(page.locator("#step-panel"), f"wrapped-{width}.png")


def test_on_a_phone_the_step_and_the_diagram_are_in_view_together(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/explore/sigmoid-2-2-2")
    for k in range(3):
        page.locator("#next-step").click()
        expect(page.locator("#step-counter")).to_contain_text(f"step {k + 1} of 37")
    now = page.locator("#step-counter .now")
    expect(now).to_contain_text("Net input of h2")
    expect(now).to_contain_text("= 0.3925")
    expect(now).to_be_in_viewport()
    expect(page.locator("#next-step")).to_be_in_viewport()
    # the phone's picture is drawn at its own size (12 px text, scrolling sideways), taller than
    # what is left of the screen: its top (the inputs and the first weights) is in view
    assert page.evaluate(SHOWN_HEIGHT, "#diagram-svg-narrow") >= 250
    # scrolled down to the picture, the sticky bar keeps the step on screen
    page.locator("#diagram-svg-narrow").scroll_into_view_if_needed()
    page.locator("#next-step").click()
    expect(now).to_contain_text("Activation of h2")
    expect(now).to_contain_text("= 0.596884378")
    expect(now).to_be_in_viewport()
    expect(page.locator("#diagram-svg-narrow")).to_be_in_viewport(ratio=0.5)
    shots.take(page, "phone-step-and-diagram.png")


def test_the_step_panel_has_no_fold_of_its_own_on_a_laptop(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 1366, "height": 860})
    for path in ("/explore/sigmoid-2-2-2?at=23", "/explore/batch-xor?at=27"):
        page.goto(server + path)
        panel = page.locator("#step-panel")
        inner = panel.evaluate("el => el.scrollHeight - el.clientHeight")
        assert inner <= 1, path  # nothing scrolls inside the panel
        page.locator("#timeline").scroll_into_view_if_needed()
        expect(page.locator("#timeline")).to_be_in_viewport()
        expect(page.locator("#tl-0")).to_be_in_viewport()
    shots.take(page, "laptop-860.png")


def test_the_focus_ring_is_always_visible_with_3_to_1_contrast(
    page: Page, server: str, watch: Watch
) -> None:
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(server + "/explore/sigmoid-2-2-2?at=15")
    seen = set()
    for _ in range(90):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        seen.add(info["id"])
        if info["tag"] == "a" and "to-field" in info["cls"]:  # a weight on the picture
            alpha = float(info["opacity"])  # the ring as it shows over white
            ring = tuple(round(alpha * c + (1 - alpha) * 255) for c in rgb(info["stroke"]))
            assert contrast(ring, (255, 255, 255)) >= 3, info
            continue
        assert info["style"] != "none" and info["width"] >= 2, info
        for background in ((255, 255, 255), (245, 246, 242)):
            assert contrast(rgb(info["color"]), background) >= 3, info
    for reached in ("next-step", "tl-0", "formula", "substituted", "f-precision"):
        assert reached in seen, reached


SETTLED = (
    "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def test_the_live_region_says_each_steps_title_and_result(
    page: Page, server: str, watch: Watch
) -> None:
    # step 6's page loaded first: the step is then kept from a page's render, which writes the
    # live region without the swap of a step's answer (CI's random order found it)
    page.goto(server + "/explore/sigmoid-2-2-2?at=5")
    page.goto(server + "/explore/sigmoid-2-2-2")
    announce = page.locator("#announce")
    expect(announce).to_have_attribute("aria-live", "polite")
    announce.evaluate("el => { el.dataset.kept = 'yes'; }")
    loads: list[str] = []  # a page loaded again would also lose the mark: say which, if so
    page.on("domcontentloaded", lambda p: loads.append(p.url))  # sooner than "load"
    page.keyboard.press("ArrowRight")
    expect(announce).to_have_text("Step 1 of 37: Net input of h1 = 0.3775")
    # htmx processes the parts it swapped in when they settle (~20 ms later): a click on a new
    # link before that is the browser's own (a page load); a learner's next click comes later
    page.wait_for_function(SETTLED)
    page.locator("#tl-5").click()
    expect(announce).to_contain_text("Step 6 of 37: Activation of o1")
    expect(announce).to_contain_text("= 0.75136507")
    # the same node, its text changed: a screen reader announces a change, not a new region
    assert not loads, f"a step loaded the page again instead of swapping its parts: {loads}"
    expect(announce).to_have_attribute("data-kept", "yes")


def test_reduced_motion_turns_the_transitions_off(browser: Browser, server: str) -> None:
    durations = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.goto(server + "/explore/sigmoid-2-2-2")
        durations[motion] = page.evaluate(
            """() => { const el = document.getElementById('explorer');
            el.classList.add('htmx-request'); return getComputedStyle(el).transitionDuration; }"""
        )
        context.close()
    assert durations == {"no-preference": "0.2s", "reduce": "0s"}


ZOOMED = (
    "/",
    "/explore/sigmoid-2-2-2?at=15",
    "/explore/batch-xor?at=10",
    "/explore/sigmoid-2-2-2?at=30",
    "/embed/sigmoid-2-2-2?at=15",
    "/practice/sigmoid-2-2-2?at=3&score=111",
    "/export/worked?preset=sigmoid-2-2-2",
)
# what may scroll sideways on its own (a scroll region); nothing else may be wider than the page
WIDE = """() => {
  const page = document.documentElement.clientWidth;
  const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; }
    return false; };
  return [...document.body.querySelectorAll('*')].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > page + 1 && !inScroller(el);
  }).slice(0, 5).map(el => el.tagName + '#' + el.id + '.' + el.getAttribute('class'));
}"""


def _nothing_overflows(context: BrowserContext, server: str, paths: tuple[str, ...]) -> None:
    """No element sticks out of any of the pages (outside a scroll box), none scrolls sideways."""
    page = context.new_page()
    try:
        for path in paths:
            page.goto(server + path)
            assert page.evaluate(WIDE) == [], path
            assert page.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            ), path
    finally:
        context.close()


def test_at_200_percent_zoom_nothing_overflows_the_page(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 683, "height": 430}, device_scale_factor=2)
    _nothing_overflows(context, server, ZOOMED)


def _explorer_pages() -> tuple[str, ...]:
    """Each example in each granularity at its start, middle and last step, and at its step
    with the most factors (a gradient's table, the widest thing in the step panel)."""
    paths = []
    for pid in PRESETS:
        for granularity in GRANULARITIES:
            state = replace(preset_state(pid), granularity=granularity)
            steps = trace(state.scenario, granularity=granularity).steps
            widest = max(steps, key=lambda st: len(st.factors)).index
            paths += [url(state, at) for at in (-1, len(steps) // 2, len(steps) - 1, widest)]
    return tuple(dict.fromkeys(paths))


def _other_pages() -> tuple[str, ...]:
    s = preset_state("sigmoid-2-2-2").encode_quoted()
    heavy = replace(loaded_state(heavy_scenario(1, 1)), granularity="layer")
    update = next(st.index for st in trace(heavy.scenario, "layer").steps if len(st.factors) > 200)
    return (
        "/",
        "/docs",
        "/practice/sigmoid-2-2-2?at=15&help=1",
        "/practice/sigmoid-2-2-2?at=16&score=" + "1" * 16 + "r" + "." * 20,
        "/practice/sigmoid-2-2-2?set=doc003-iteration&at=37&score=" + "1" * 30 + "2hr1111",
        "/practice/batch-xor?set=xor-layers&at=0&score=" + "." * 19 + "&a0=1&a1=x",
        "/embed/practice/single-neuron?at=11&score=11111111111",
        "/export/worked?preset=sigmoid-2-2-2",
        "/export/worked?preset=batch-xor",
        f"/explore/gradcheck?s={s}&at=3",
        "/embed/sigmoid-2-2-2?at=16",
        "/embed/batch-xor?panels=all&at=9",
        f"/share/embed-code?s={s}&at=16&panels=step,diagram",
        # a large layer's update weight by weight, on the page of its own (no JavaScript)
        f"/explore/part/factors?s={heavy.encode_quoted()}&at={update}",
    )


# every kind of page at a small phone's width: a gradient's table of factors (~363 px) once made
# the whole explorer scroll sideways there; a wide table now scrolls in a box of its own
PHONE = (*_explorer_pages(), *_other_pages())


@pytest.mark.parametrize(("width", "paths"), [(400, ZOOMED), (320, PHONE)])
def test_on_a_phone_no_page_scrolls_sideways(
    browser: Browser, server: str, width: int, paths: tuple[str, ...]
) -> None:
    """WCAG 1.4.10 at a phone's width (the home page's loss list once stood 498 px wide)."""
    _nothing_overflows(browser.new_context(viewport={"width": width, "height": 800}), server, paths)


# the box of the step's table of factors, as a screen reader and the keyboard find it
FACTOR_BOX = """() => {
  const box = document.querySelector('#factors .table-scroll');
  return {role: box.getAttribute('role'), name: box.getAttribute('aria-label'),
          tab: box.tabIndex, overflow: box.scrollWidth - box.clientWidth};
}"""


def test_on_a_phone_a_wide_table_scrolls_in_a_named_box_by_keyboard(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(server + "/explore/sigmoid-2-2-2?at=16")  # ∂E_total/∂w6: three factors, a product
    box = page.get_by_role("region", name="The chain rule, factor by factor")
    expect(box).to_have_count(1)
    info = page.evaluate(FACTOR_BOX)
    assert info["role"] == "region" and info["tab"] == 0, info
    assert info["overflow"] > 10, info  # wider than the phone: it scrolls, the page does not
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # reached by Tab from the result above it, with the focus ring every control has
    page.locator("#substituted").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "region":
            break
    ring = page.evaluate(FOCUSED)
    assert "table-scroll" in ring["cls"], ring
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert contrast(rgb(ring["color"]), (255, 255, 255)) >= 3, ring
    page.keyboard.press("ArrowRight")
    expect(box).not_to_have_js_property("scrollLeft", 0)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # the picture, wider than the phone, scrolls by the same keys; the step stays where it was
    picture = page.locator(".diagram-scroll")
    picture.focus()
    page.keyboard.press("ArrowRight")
    expect(picture).not_to_have_js_property("scrollLeft", 0)
    expect(page.locator("#step-counter")).to_contain_text("step 17 of 37")
    shots.take(page.locator("#step-panel"), "factors-scroll-320.png")


# where the picture and the toolbar are on screen, in CSS px
PLACES = """() => { const r = s => document.querySelector(s).getBoundingClientRect();
  const pane = r('.columns > .diagram-pane');
  return {bar: r('.toolbar').bottom, top: pane.top, bottom: pane.bottom, window: innerHeight,
          scrolled: scrollY}; }"""


def test_on_a_laptop_the_picture_stays_beside_a_long_step(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 1366, "height": 860})
    page.goto(server + "/explore/sigmoid-2-2-2?at=16")  # ∂E_total/∂w6: its table of factors
    page.locator("#timeline").evaluate("el => el.scrollIntoView({block: 'end'})")
    at = page.evaluate(PLACES)
    assert at["scrolled"] > 200, at  # the step is taller than the window
    # the whole picture under the toolbar, the weight of the step in it
    assert at["bar"] <= at["top"] <= at["bar"] + 24 and at["bottom"] <= at["window"], at
    expect(page.locator("#diagram-svg .edge.hl").first).to_be_in_viewport(ratio=1)
    shots.take(page, "picture-beside-long-step-1366.png")
    # a picture taller than the window (8 layers of 16) keeps its foot in view, not a blank column
    heavy = replace(loaded_state(heavy_scenario(1, 1)), granularity="layer")
    page.goto(server + url(heavy, 47))
    page.locator("#timeline").evaluate("el => el.scrollIntoView({block: 'end'})")
    at = page.evaluate(PLACES)
    assert at["top"] < at["bar"] and at["window"] - 40 <= at["bottom"] <= at["window"], at


# every control of the toolbar: where it is on screen, and whether it is shown at all
CONTROLS = """() => [...document.querySelectorAll('.toolbar a, .toolbar button, .toolbar select')]
  .filter(el => el.offsetParent !== null)
  .map(el => { const r = el.getBoundingClientRect();
    return {id: el.id, top: r.top, bottom: r.bottom, disabled: el.disabled === true}; })"""


def test_on_a_small_phone_the_sticky_bar_keeps_only_the_step_and_its_buttons(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    """At 320 × 568 the sticky bar took 221-246 px (the error, the update's preview, the
    iteration, the step, three rows of buttons): scrolled, it now keeps the step and its buttons
    only, on two rows, and every control in it stays on screen and reachable by Tab."""
    page.set_viewport_size({"width": 320, "height": 568})
    page.goto(server + "/explore/sigmoid-2-2-2?at=29")  # an update: "after this update" too
    expect(page.locator("#loss-readout .loss-after")).to_be_visible()
    before = page.evaluate(CONTROLS)
    assert {c["id"] for c in before} >= {"prev-step", "next-step", "finish", "to-share", "reset"}
    page.locator("#diagram-svg-narrow").scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)
    page.wait_for_function("scrollY > 600")
    shown = page.evaluate(SHOWN_HEIGHT, ".toolbar")
    assert shown <= 130, shown  # of 568: under a quarter of the screen
    expect(page.locator("#step-counter .now")).to_be_in_viewport()
    expect(page.locator("#step-counter .now")).to_contain_text("New value of w5 = 0.35891648")
    controls = page.evaluate(CONTROLS)
    assert [c["id"] for c in controls] == [c["id"] for c in before]  # no control lost
    for c in controls:  # each on screen, under nothing
        assert c["top"] >= 0 and c["bottom"] <= shown + 1, c
    # the keyboard: Tab from the first control reaches every other, each on screen
    page.locator("#prev-step").focus()
    enabled = [c["id"] for c in controls[1:] if not c["disabled"]]
    reached = []
    for _ in enabled:
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0
    assert reached == enabled, reached
    assert page.evaluate("scrollY > 600")  # the page stayed where the learner was
    shots.take(page, "phone-320-sticky-bar.png")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-counter .now")).to_contain_text("New value of w6")
    expect(page.locator("#step-counter .now")).to_be_in_viewport()


@pytest.mark.parametrize("size", [(568, 320), (844, 390)])
def test_a_phone_on_its_side_keeps_the_screen_for_the_page(
    page: Page, server: str, watch: Watch, size: tuple[int, int]
) -> None:
    """A window under 500 px tall (a phone on its side): the bar scrolls away with the page;
    the arrow keys still step, and a button the keyboard focuses comes back into view."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(server + "/explore/sigmoid-2-2-2?at=15")
    page.locator(".diagram-readout").scroll_into_view_if_needed()
    assert page.evaluate(SHOWN_HEIGHT, ".toolbar") == 0
    page.keyboard.press("ArrowRight")
    expect(page.locator("#step-counter")).to_contain_text("step 17 of 37")
    assert page.evaluate(SHOWN_HEIGHT, ".toolbar") == 0
    page.locator("#next-step").focus()
    expect(page.locator("#next-step")).to_be_in_viewport()


@pytest.mark.parametrize(("preset", "width"), [(p, w) for p in PRESETS for w in (700, 1280)])
def test_at_700_and_1280px_the_explorers_picture_fits_its_column(
    page: Page, server: str, watch: Watch, shots: Shots, preset: str, width: int
) -> None:
    """The explorer in a 700 px window (a tablet) and on a 1280 px laptop, whose column (704 px)
    was narrower than the 2-2-2's wide picture (736): the picture that fits the column, every
    label in view; at 700 the layers-down one, no text under 12 px; at 1280 the wide one,
    scaled as on any laptop."""
    from .test_embed_frames import PICTURE

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(server + f"/explore/{preset}?at=15")
    seen = page.evaluate(PICTURE)
    assert seen["scroll"] <= seen["box"] + 1, seen
    assert seen["text_right"] <= seen["right"] + 0.5, seen
    assert seen["page"] <= 0, seen
    if width == 700:
        assert seen["smallest"] >= 12 - 0.01, seen
    else:
        assert seen["picture"] == "diagram-svg" and seen["smallest"] >= 9.5, seen
    if preset == "sigmoid-2-2-2":
        shots.take(page.locator("#diagram"), f"explorer-{width}-diagram.png")
