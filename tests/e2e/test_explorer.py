"""What only a browser shows: clicks, keys, history, edits, and the picture itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import TWO_FRAMES, Shots, Watch

pytestmark = pytest.mark.e2e

# The document's figures at their steps of the 2-2-2 iteration (neuron by neuron).
DOCUMENT = {
    0: "0.3775",  # net_h1
    1: "0.593269992",  # out_h1
    3: "0.596884378",  # out_h2
    5: "0.75136507",  # out_o1
    10: "0.298371109",  # E
    15: "0.082167041",  # ∂E/∂w5
    23: "0.000438568",  # ∂E/∂w1
    29: "0.35891648",  # w5⁺
    33: "0.149780716",  # w1⁺
}
SIZES = {"laptop": (1366, 900), "phone": (400, 860)}


def counter(page: Page) -> str:
    return page.locator("#step-counter").inner_text()


def at_step(page: Page, k: int) -> None:
    expect(page.locator("#step-counter")).to_contain_text(f"step {k + 1} of", timeout=5000)


def test_a_whole_iteration_by_clicks(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2")
    expect(page.locator("#step-counter")).to_contain_text("not started")
    for k in range(37):
        page.locator("#next-step").click()
        at_step(page, k)
        if k in DOCUMENT:
            expect(page.locator("#result")).to_contain_text(DOCUMENT[k])
            expect(page.locator(".figure-note.ok").first).to_contain_text("as the document prints")
    assert page.url.endswith("/explore/sigmoid-2-2-2?at=36")
    expect(page.locator("#next-step")).to_be_disabled()
    # the diagram shows the update: old → new on w5, the gradient reached earlier
    expect(page.locator("#diagram-svg")).to_contain_text("w5 0.4 → 0.35891648")
    expect(page.locator("#loss-readout")).to_contain_text("after this update: 0.291027774")
    page.locator("#finish").click()
    expect(page.locator("#step-counter")).to_contain_text("Iteration 2")
    expect(page.locator("#loss-readout")).to_contain_text("E = 0.291027774")
    # after one iteration the document prints 0.291027924 for E: the note explains it
    page.goto(page.url + "&at=10")
    expect(page.locator(".figure-note.differs")).to_contain_text("0.291027924")
    # … and redoes the iteration with the order the document used, to reproduce it
    page.locator("button.replay").click()
    expect(page.locator(".figure-note.ok")).to_contain_text("0.291027924")
    expect(page.locator("#f-update_order")).to_have_value("output_first")


def test_the_keyboard_steps_both_ways(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2")
    for k in range(12):
        page.keyboard.press("ArrowRight")
        at_step(page, k)
    expect(page.locator("#result")).to_contain_text("0.741365070".rstrip("0"))
    for k in range(10, 4, -1):
        page.keyboard.press("ArrowLeft")
        at_step(page, k)
    expect(page.locator("#result")).to_contain_text("0.75136507")
    # keys typed into a field edit the field, they do not step
    field = page.locator("#f-learning_rate")
    field.click()
    page.keyboard.press("ArrowLeft")
    at_step(page, 5)
    # every control is reachable by Tab and works with Enter
    page.locator("#next-step").focus()
    page.keyboard.press("Enter")
    at_step(page, 6)
    expect(page.locator("#next-step")).to_be_focused()
    # presses faster than the server answers are not lost
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    at_step(page, 11)


def test_history_reload_back_forward(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/")
    page.goto(server + "/explore/sigmoid-2-2-2?at=2")
    page.locator("#next-step").click()
    at_step(page, 3)
    assert page.url.endswith("/explore/sigmoid-2-2-2?at=3")  # a step replaces the address
    page.locator("#gran-layer").click()  # a change of view adds an entry
    expect(page.locator("#gran-layer")).to_have_attribute("aria-pressed", "true")
    layer_url = page.url
    assert "s=" in layer_url
    page.reload()
    expect(page.locator("#gran-layer")).to_have_attribute("aria-pressed", "true")
    assert page.url == layer_url
    page.go_back()
    at_step(page, 3)
    expect(page.locator("#gran-neuron")).to_have_attribute("aria-pressed", "true")
    page.go_forward()
    expect(page.locator("#gran-layer")).to_have_attribute("aria-pressed", "true")
    page.go_back()
    at_step(page, 3)
    page.wait_for_load_state("networkidle")  # htmx reloads an entry it made (no history cache)
    page.go_back()  # the steps made no entries: the page before the example
    expect(page).to_have_url(server + "/")
    # a pasted link restores exactly what was shown
    page.goto(layer_url)
    expect(page.locator("#gran-layer")).to_have_attribute("aria-pressed", "true")


def test_back_undoes_the_last_change_not_the_last_step(
    page: Page, server: str, watch: Watch
) -> None:
    page.goto(server + "/")
    page.goto(server + "/explore/sigmoid-2-2-2")
    for k in range(16):
        page.keyboard.press("ArrowRight")
        at_step(page, k)
    page.reload()  # the address followed the steps
    at_step(page, 15)
    w1 = page.locator("#f-w-0-0-0")
    w1.fill("0.5")
    w1.press("Tab")  # an edit adds an entry
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.5")
    expect(page.locator("#loss-readout")).not_to_contain_text("0.298371109")
    page.go_back()  # the example as it was before the edit, at the step it was on
    at_step(page, 15)
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.15")
    expect(page.locator("#loss-readout")).to_contain_text("0.298371109")
    page.go_back()  # not step 15, then 14, …: the page before the example
    expect(page).to_have_url(server + "/")


def test_an_edit_changes_everything_downstream(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2?at=10")
    expect(page.locator("#loss-readout")).to_contain_text("0.298371109")
    svg_before = page.locator("#diagram-svg").inner_html()
    watch.allow_status(422)
    w1 = page.locator("#f-w-0-0-0")
    w1.fill("abc")
    w1.press("Tab")
    expect(page.locator("#e-w-0-0-0")).to_contain_text("w1: “abc” is not a number")
    assert page.locator("#diagram-svg").inner_html() == svg_before  # nothing else changed
    assert page.url.endswith("?at=10")
    w1 = page.locator("#f-w-0-0-0")
    w1.fill("0.5")
    # leaving the field sends the edit; the click is not sent along with the old state
    page.locator("#next-step").click()
    expect(page.locator("#e-w-0-0-0")).to_have_count(0)
    expect(page.locator("#loss-readout")).not_to_contain_text("0.298371109")
    svg = page.locator("#diagram-svg")
    expect(svg).not_to_contain_text("net 0.3775")  # net_h1 = 0.5·0.05 + 0.2·0.1 + 0.35
    expect(svg).to_contain_text("net 0.395")
    assert "s=" in page.url
    # clicking a weight on the diagram goes to its field
    page.locator('#diagram-svg .edge-labels a[href="#f-w-1-0-1"]').click()
    expect(page.locator("#f-w-1-0-1")).to_be_focused()


def test_train_and_the_loss_chart(page: Page, server: str, watch: Watch) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2")
    page.locator("#f-iterations").fill("10000")
    page.locator("#train").click()
    expect(page.locator("#stopped")).to_contain_text("Trained 10,000 iterations")
    expect(page.locator("#step-counter")).to_contain_text("Iteration 10,001")
    points = page.locator("#loss-chart polyline").get_attribute("points") or ""
    assert len(points.split()) > 50
    page.locator("#next-phase").click()  # through the forward pass at once
    at_step(page, 8)


def test_screenshots(page: Page, server: str, watch: Watch, shots: Shots) -> None:
    for name, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        page.goto(server + "/")
        shots.take(page, f"home-{name}.png", full_page=True)
        page.goto(server + "/explore/sigmoid-2-2-2")
        shots.take(page, f"start-{name}.png")
        page.goto(server + "/explore/sigmoid-2-2-2?at=15")
        shots.take(page, f"backward-{name}.png")
        page.goto(server + "/explore/sigmoid-2-2-2?at=36")
        page.locator("#finish").click()
        expect(page.locator("#step-counter")).to_contain_text("Iteration 2")
        shots.take(page, f"updated-{name}.png")
        page.goto(server + "/explore/batch-xor?at=8")
        shots.take(page, f"batch-{name}.png")
    # the pages this test saved (another test's close-up of one formula may be smaller)
    for name in SIZES:
        for page_name in ("home", "start", "backward", "updated", "batch"):
            f = shots.folder / f"{page_name}-{name}.png"
            assert f.stat().st_size > 10_000, f
    assert re.match(r"http://127\.0\.0\.1:\d+/", page.url)


def test_without_javascript_the_forms_still_work(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/explore/sigmoid-2-2-2")
    page.locator("#next-step").click()  # a plain GET form: a full page load
    expect(page.locator("#step-counter")).to_contain_text("step 1 of 37")
    assert "at=0" in page.url
    page.locator("#f-w-0-0-0").fill("0.5")
    page.locator("#apply-edits").click()  # post, redirect, get
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.5")
    assert "s=" in page.url and "at=0" in page.url
    page.locator("#f-w-0-0-0").fill("abc")
    page.locator("#apply-edits").click()
    expect(page.locator("#e-w-0-0-0")).to_contain_text("is not a number")
    context.close()


# no htmx class left on the page (the swap has settled: settling is immediate, explorer.js)
SETTLED = (
    "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)


def laid_out(page: Page) -> None:
    """The swap settled and two frames drawn since: scroll anchoring (the jump this guards
    against) adjusts the scroll position in the layout that follows a swap, and no script of
    ours scrolls later on a step (it waited a fixed 150 ms before)."""
    page.wait_for_function(SETTLED)
    page.evaluate(TWO_FRAMES)


@pytest.mark.parametrize("size", list(SIZES))
def test_stepping_and_editing_keep_the_page_where_the_learner_scrolled(
    page: Page, server: str, watch: Watch, size: str
) -> None:
    # Chromium's scroll anchoring, as htmx replaced the explorer, once sent the page to its bottom
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.goto(server + "/explore/sigmoid-2-2-2?at=3")
    for scrolled in (120, 600):
        page.evaluate(f"window.scrollTo(0, {scrolled})")
        before = page.evaluate("window.scrollY")
        page.locator("#next-step").click()
        expect(page.locator("#step-counter")).not_to_contain_text("step 4 of")
        laid_out(page)
        assert abs(page.evaluate("window.scrollY") - before) < 40, (size, scrolled)
        page.locator("#prev-step").click()
        at_step(page, 3)
        laid_out(page)
        assert abs(page.evaluate("window.scrollY") - before) < 40, (size, scrolled)
    # a refused edit: the message beside the field is in view
    watch.allow_status(422)
    field = page.locator("#f-w-0-0-0")
    field.scroll_into_view_if_needed()
    field.fill("abc")
    field.press("Enter")
    message = page.locator("#e-w-0-0-0")
    expect(message).to_contain_text("is not a number")
    expect(message).to_be_in_viewport()


SCRIPT_PLACES_JS = """() => [...document.querySelectorAll('#timeline .tl-step')].slice(0, 40)
  .map(step => {
    const script = step.querySelector('sub, sup');
    if (!script) return null;
    const range = document.createRange();
    range.selectNodeContents(step.firstChild);  // the name's text before its script
    const name = range.getBoundingClientRect(), own = script.getBoundingClientRect();
    return {tag: script.tagName, gap: own.left - name.right,
            low: own.bottom - name.bottom, high: name.top - own.top};
  }).filter(Boolean)"""


def test_a_timeline_name_keeps_its_subscript_beside_it(
    page: Page, server: str, watch: Watch
) -> None:
    """The steps' buttons laid their name and its sub/superscript out as flex items: a gap
    between them and the subscript not lowered ("net h1", "w 5 +")."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/explore/sigmoid-2-2-2?at=4")
    places = page.evaluate(SCRIPT_PLACES_JS)
    assert len(places) > 20
    for p in places:
        assert abs(p["gap"]) < 1.5, p
        if p["tag"] == "SUB":
            assert p["low"] > 1, p  # below the name's line
        else:
            assert p["high"] > 1, p
