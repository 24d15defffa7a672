"""Editing as a learner does it in a browser: a trained network shown at few decimals keeps
every value it was not told to change, document 003's one b1 field sets both biases, and
Previous from the start of iteration 2 shows the update just applied."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Browser, Page, expect

from app.explorer.actions import apply_edit, finish
from app.explorer.state import preset_state, url

from . import axe
from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e


def exact_values(page: Page) -> dict[str, str]:
    """The "Exact values" lists of the edit form, opened: name → exact value."""
    out: dict[str, str] = {}
    for details in page.locator("details.exact-values").all():
        if not details.evaluate("d => d.open"):
            details.locator("summary").click()
        for item in details.locator(".exact").all():
            name, _, value = item.inner_text().partition(" = ")
            out[name.strip()] = value.strip()
    return out


def test_an_edit_at_three_decimals_changes_only_the_field_typed_in(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2?at=36")
    page.locator("#finish").click()
    expect(page.locator("#step-counter")).to_contain_text("Iteration 2")
    page.goto(page.url.replace("/explore?", "/explore/view?") + "&precision=3")
    expect(page.locator("#f-w-1-0-0")).to_have_value("0.359")  # w5⁺ = 0.35891648…
    before = exact_values(page)
    assert before["w5"].startswith("0.358916479") and before["w6"].startswith("0.408666186")
    w6 = page.locator("#f-w-1-1-0").input_value()
    field = page.locator("#f-w-1-0-0")
    field.fill("0.5")
    address = page.url
    field.press("Tab")
    page.wait_for_url(lambda u: u != address)  # the answer swapped in and pushed
    expect(page.locator("#f-w-1-0-0")).to_have_value("0.5")
    expect(page.locator("#f-w-1-1-0")).to_have_value(w6)
    after = exact_values(page)
    assert "w5" not in after  # 0.5 is shown exactly
    assert {k: v for k, v in before.items() if k != "w5"} == after  # nothing else rounded
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("#edit-h").scroll_into_view_if_needed()
    shots.take(page, "edit-exact-1366.png")
    page.set_viewport_size({"width": 400, "height": 860})
    page.locator("details.exact-values").first.scroll_into_view_if_needed()
    shots.take(page, "edit-exact-400.png")


def _apply(page: Page, field: str, text: str) -> None:
    """``text`` typed in ``field`` and applied by leaving it (Tab): the page's address moves."""
    page.locator(field).fill(text)
    address = page.url
    page.locator(field).press("Tab")
    page.wait_for_url(lambda u: u != address)


def test_the_shared_b1_field_sets_both_hidden_biases(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2?at=0")
    expect(page.locator("input#f-b-0-1")).to_have_count(0)  # one field for h1's and h2's b1
    expect(page.locator("input#f-b-0-0")).to_have_attribute("aria-label", "b1 (bias of h1 and h2)")
    _apply(page, "#f-b-0-0", "0.5")
    expect(page.locator("#f-b-0-0")).to_have_value("0.5")
    # net_h1 = 0.15·0.05 + 0.2·0.1 + 0.5, and h2's bias moved with it
    expect(page.locator("#result")).to_contain_text("0.5275")
    page.locator("#next-step").click()
    expect(page.locator("#step-counter")).to_contain_text("step 2 of")
    page.locator("#next-step").click()
    expect(page.locator("#step-counter")).to_contain_text("step 3 of")
    expect(page.locator("#result")).to_contain_text("0.5425")  # net_h2 = 0.25·0.05 + 0.3·0.1 + 0.5
    page.locator("#edit-h").scroll_into_view_if_needed()
    shots.take(page, "edit-shared-bias-1366.png")


def test_previous_at_the_start_of_iteration_2_steps_back_into_the_update(
    page: Page, server: str, watch: Watch
) -> None:
    page.goto(server + "/explore/sigmoid-2-2-2?at=36")
    page.locator("#finish").click()
    expect(page.locator("#step-counter")).to_contain_text("Iteration 2")
    expect(page.locator("#prev-step")).to_be_enabled()
    page.locator("#prev-step").click()
    expect(page.locator("#step-counter")).to_contain_text("step 37 of 37")
    assert page.url.endswith("/explore/sigmoid-2-2-2?at=36")
    expect(page.locator("#diagram-svg")).to_contain_text("w5 0.4 → 0.35891648")
    page.locator("#prev-step").click()
    expect(page.locator("#step-counter")).to_contain_text("step 36 of 37")
    # forward again: Finish gives the same second iteration
    page.goto(server + "/explore/sigmoid-2-2-2?at=36")
    page.locator("#finish").click()
    expect(page.locator("#loss-readout")).to_contain_text("E = 0.291027774")


def test_a_number_float64_rounds_to_0_is_refused_beside_its_field(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    """1e-400 was taken silently as 0; now it is said beside w1, and a full-width ０．５ typed
    in w3 before it (as an input method gives it) is read as 0.5 and kept."""
    page.goto(server + "/explore/sigmoid-2-2-2?at=10")
    _apply(page, "#f-w-0-0-1", "０．５")
    expect(page.locator("#f-w-0-0-1")).to_have_value("0.5")
    svg_before = page.locator("#diagram-svg").inner_html()
    watch.allow_status(422)
    w1 = page.locator("#f-w-0-0-0")
    w1.fill("1e-400")
    w1.press("Tab")
    message = page.locator("#e-w-0-0-0")
    expect(message).to_contain_text("w1: “1e-400” is too small: it rounds to 0 in float64")
    expect(w1).to_have_value("1e-400")
    expect(page.locator("#f-w-0-0-1")).to_have_value("0.5")
    assert page.locator("#diagram-svg").inner_html() == svg_before  # nothing else changed
    message.scroll_into_view_if_needed()
    shots.take(page, "edit-too-small.png")


@pytest.mark.parametrize("width", [1366, 320])
def test_the_edit_form_and_the_training_panel_pass_axe(
    browser: Browser, server: str, width: int
) -> None:
    # a trained network at 3 decimals whose shared b1 has split: every new part of the form
    state = apply_edit(
        preset_state("sigmoid-2-2-2"), {"has_update_biases": "1", "update_biases": "on"}
    )
    state = replace(finish(state), precision=3)
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server + url(state))
    expect(page.locator(".split-biases").first).to_be_visible()
    for summary in page.locator("details.exact-values summary").all():
        summary.click()
    inside = (
        "t => t.every(s => { const e = document.querySelector(s);"
        " return e && e.closest('section.edit, section.training'); })"
    )
    ours = [
        {**v, "nodes": [n for n in v["nodes"] if page.evaluate(inside, n["target"])]}
        for v in axe.violations(page)
    ]
    ours = [v for v in ours if v["nodes"]]
    context.close()
    assert not ours, axe.summary(ours)
