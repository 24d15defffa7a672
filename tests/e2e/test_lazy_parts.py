"""A large network's edit grid and table of values, loaded when opened (app/explorer/on_demand.py),
as a learner meets them in chromium: by keyboard, while stepping, after an edit, without
JavaScript, and under axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.explorer.state import loaded_state, url
from tests.load.heavy import heavy_scenario

from . import axe
from .conftest import Watch

pytestmark = pytest.mark.e2e

LOADS = 30_000  # ms: an 8 × 16 part is ~400 kB, rendered on a machine the whole team shares


def heavy_url(at: int = 2) -> str:
    return url(loaded_state(heavy_scenario(1, 1)), at)


def test_a_part_opens_by_keyboard_and_stays_open_while_stepping_and_editing(
    page: Page, server: str, watch: Watch, shots: Path
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
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("#edit-h").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "lazy-edit-open-1366.png"))


def test_without_javascript_a_part_opens_on_a_page_of_its_own(
    browser: Browser, server: str, shots: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 400, "height": 860})
    page = context.new_page()
    page.goto(server + heavy_url(3))
    page.locator("#lazy-edit summary").click()
    page.get_by_role("link", name="or open them on a page of their own").first.click()
    expect(page.locator("h2#edit-h")).to_be_visible()
    page.screenshot(path=str(shots / "lazy-edit-page-400.png"))
    page.locator("#f-w-0-0-0").fill("0.5")
    page.locator("#apply-edits").click()
    expect(page.locator("#step-counter")).to_contain_text("step 4 of")  # back where it was
    expect(page.locator(".source")).to_contain_text("changed by you")
    page.locator("#lazy-edit summary").click()
    page.get_by_role("link", name="or open them on a page of their own").first.click()
    expect(page.locator("#f-w-0-0-0")).to_have_value("0.5")
    context.close()


def _axe_of(page: Page, selectors: list[str]) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe.AXE))
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
