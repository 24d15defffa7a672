"""A large network's edit grid and table of values, and a large layer's update weight by weight,
loaded when opened (app/explorer/on_demand.py), as a learner meets them in chromium: by keyboard,
while stepping, after an edit, without JavaScript, and under axe."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.explorer.on_demand import LAZY_ROWS
from app.explorer.state import PageState, loaded_state, url
from engine import trace
from tests.load.heavy import heavy_scenario

from . import axe
from .conftest import Shots, Watch
from .test_partial_clicks import walk

pytestmark = pytest.mark.e2e

LOADS = 30_000  # ms: an 8 × 16 part is ~400 kB, rendered on a machine the whole team shares


def heavy_url(at: int = 2) -> str:
    return url(loaded_state(heavy_scenario(1, 1)), at)


def test_a_part_opens_by_keyboard_and_stays_open_while_stepping_and_editing(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    address = server + heavy_url()
    page.goto(address)
    expect(page.locator("#f-w-0-0-0")).to_have_count(0)
    expect(page.locator("#f-learning_rate")).to_be_visible()  # the rule is in the page
    page.locator("#lazy-edit summary").focus()
    page.keyboard.press("Enter")
    field = page.locator("#f-w-0-0-0")
    expect(field).to_be_visible(timeout=LOADS)
    expect(page.locator("#lazy-edit-status")).to_contain_text("fields loaded")
    assert page.url == address  # loading a part is no new address
    page.locator("#next-step").click()  # a step swaps its parts: the fields stay
    expect(page.locator("#step-counter")).to_contain_text("step 4 of")
    expect(field).to_be_visible()
    # the table, opened at once after a step: its load is not dropped by the explorer's lock
    page.locator("#lazy-table summary").click()
    expect(page.locator("#values-table caption").first).to_contain_text("Neurons", timeout=LOADS)
    field.fill("0.125")
    before = page.url
    field.press("Tab")  # the edit is posted, the explorer answered whole: both parts stay open
    page.wait_for_url(lambda u: u != before, timeout=LOADS)
    expect(page.locator("#lazy-edit")).to_have_attribute("open", "")
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.125")
    expect(page.locator("#values-table caption").first).to_contain_text("Neurons")
    expect(page.locator("#step-counter")).to_contain_text("step 4 of")
    # typed, then Next clicked: the edit goes first, what was typed is applied, not lost
    page.locator("#f-w-0-0-1").fill("0.25")
    page.locator("#next-step").click()
    expect(page.locator("#f-w-0-0-1")).to_have_value("0.25", timeout=LOADS)
    expect(page.locator(".source")).to_contain_text("changed by you")
    # every answer in: one landing after these checks swapped #edit-h out from under the
    # scroll below (CI, 2026-12-02)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#f-w-0-0-1")).to_have_value("0.25")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("#edit-h").scroll_into_view_if_needed()
    shots.take(page, "lazy-edit-open-1366.png")


def test_without_javascript_a_part_opens_on_a_page_of_its_own(
    browser: Browser, server: str, shots: Shots
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 400, "height": 860})
    page = context.new_page()
    page.goto(server + heavy_url(3))
    page.locator("#lazy-edit summary").click()
    page.get_by_role("button", name="or open them on a page of their own").first.click()
    expect(page.locator("h2#edit-h")).to_be_visible()
    shots.take(page, "lazy-edit-page-400.png")
    page.locator("#f-w-0-0-0").fill("0.5")
    page.locator("#apply-edits").click()
    expect(page.locator("#step-counter")).to_contain_text("step 4 of")  # back where it was
    expect(page.locator(".source")).to_contain_text("changed by you")
    page.locator("#lazy-edit summary").click()
    page.get_by_role("button", name="or open them on a page of their own").first.click()
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.5")
    context.close()


def _axe_of(page: Page, selectors: list[str]) -> list[dict[str, Any]]:
    axe.inject(page)
    found: list[dict[str, Any]] = page.evaluate(
        "([include, tags]) => axe.run({include}, {runOnly: tags, resultTypes: ['violations']})"
        ".then(r => r.violations)",
        [[[s] for s in selectors], axe.TAGS],
    )
    return found


def test_the_parts_closed_and_open_have_no_axe_violations(browser: Browser, server: str) -> None:
    """axe over the edit form and the values table, closed and then the edit grid open (the
    whole 8 × 16 page under axe would cost CI ~a minute: its diagram is test_axe's)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(server + heavy_url())
    parts = ["section.edit", "#values-table"]
    found = _axe_of(page, parts)
    assert not found, axe.summary(found)
    page.locator("#lazy-edit summary").click()
    expect(page.locator("#f-w-0-0-0")).to_be_visible(timeout=LOADS)
    found = _axe_of(page, parts)
    assert not found, axe.summary(found)
    context.close()


# -- a large layer's update, weight by weight: a step's own part ----------------------------------

SAME_PANEL = """
async () => {
  const junk = ["htmx-request", "htmx-settling", "htmx-added", "htmx-swapping"];
  const norm = (s) => s.replace(/\\s+/g, " ").replace(/> </g, "><").trim();
  const clean = (el) => {
    const copy = el.cloneNode(true);
    for (const e of [copy, ...copy.querySelectorAll("[class]")]) {
      e.classList.remove(...junk);
      if (e.getAttribute("class") === "") e.removeAttribute("class");
    }
    return norm(copy.outerHTML);
  };
  const answer = await fetch(location.href, { headers: { "HX-Explorer-Open": "factors" } });
  const whole = new DOMParser().parseFromString(await answer.text(), "text/html");
  return [clean(document.getElementById("step-panel")), clean(whole.getElementById("step-panel"))];
}
"""


def layer_update() -> tuple[PageState, int]:
    """The 8 × 16 network at layer granularity, and its first weight update (256 rows)."""
    state = replace(loaded_state(heavy_scenario(1, 1)), granularity="layer", precision=9)
    steps = trace(state.scenario, "layer").steps
    return state, next(s.index for s in steps if len(s.factors) > LAZY_ROWS)


def test_a_large_layers_update_loads_weight_by_weight_and_stays_open_through_steps(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    state, at = layer_update()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + url(state, at - 1))
    # closed: each step is the page of its address (the part sent whole, in its place)
    closed = walk(page, "next-step", 3)  # the update, the layer's biases, the next layer's update
    assert not closed["differ"], closed["differ"]
    assert closed["partial"] == closed["clicks"] == 3
    rows = page.locator("#lazy-factors tbody tr")
    expect(rows).to_have_count(0)
    page.locator("#lazy-factors summary").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(256, timeout=LOADS)
    expect(page.locator("#lazy-factors-status")).to_have_text("256 rows loaded.")
    lower = rows.first.locator("math").first.get_attribute("alttext")
    page.locator("#prev-step").click()  # the layer's biases: no such table
    expect(page.locator("#lazy-factors")).to_have_count(0, timeout=LOADS)
    page.locator("#prev-step").click()  # the update above: open again, its own rows
    expect(page.locator("#lazy-factors")).to_have_attribute("open", "", timeout=LOADS)
    expect(rows).to_have_count(256)
    assert rows.first.locator("math").first.get_attribute("alttext") != lower
    shown, expected = page.evaluate(SAME_PANEL)
    assert shown == expected  # the page of its address with the part open
    page.locator("#lazy-factors summary").click()  # closed by the learner: it stays closed
    for n in (at + 2, at + 3):
        page.locator("#next-step").click()
        expect(page.locator("#step-counter")).to_contain_text(f"step {n} of", timeout=LOADS)
    expect(page.locator("#lazy-factors")).not_to_have_attribute("open", "")
    # screenshots last (Playwright's leave style attributes that a later swap would copy)
    page.locator("#lazy-factors summary").click()
    expect(rows).to_have_count(256, timeout=LOADS)
    page.locator("#lazy-factors summary").scroll_into_view_if_needed()
    shots.take(page, "lazy-factors-open-1366.png")
    page.set_viewport_size({"width": 400, "height": 860})
    page.locator("#lazy-factors summary").scroll_into_view_if_needed()
    shots.take(page, "lazy-factors-open-400.png")


def test_the_table_weight_by_weight_closed_and_open_has_no_axe_violations(
    browser: Browser, server: str
) -> None:
    state, at = layer_update()
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(server + url(state, at))
    found = _axe_of(page, ["#factors"])
    assert not found, axe.summary(found)
    page.locator("#lazy-factors summary").click()
    expect(page.locator("#lazy-factors tbody tr")).to_have_count(256, timeout=LOADS)
    found = _axe_of(page, ["#factors"])
    assert not found, axe.summary(found)
    context.close()
