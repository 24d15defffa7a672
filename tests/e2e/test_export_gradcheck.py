"""The "Check the gradients" panel in a real browser: the button fetches the check in place
(no inline script or style: the CSP holds), by mouse or keyboard, at a phone's width too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [1366, 360])
def test_the_button_shows_every_gradient_beside_its_finite_difference(
    page: Page, server: str, watch: Watch, shots: Shots, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server}/explore/sigmoid-2-2-2")
    url = page.url
    button = page.get_by_role("button", name="Check the gradients")
    button.focus()
    page.keyboard.press("Enter")
    summary = page.locator("#gradcheck-summary")
    expect(summary).to_contain_text("Worst relative error")
    expect(summary).to_contain_text("agree")
    expect(page.locator("#gradcheck-table tbody tr")).to_have_count(12)
    assert page.url == url  # the check is not a new state of the page
    shots.take(page.locator("#gradcheck"), f"gradcheck-{width}.png")
