"""What a screen reader is told after each action, counted in chromium: every live region of
the page (aria-live, role status/alert/log, an <output>) watched by a MutationObserver, and
the accessibility tree (CDP) asked which live regions it holds. A region counts as speaking
when its words change, or when it is put in the page with words in it (some screen readers
speak a live region as it appears). Each action is to be said once, by #announce, the region
that stays in the page; the verdict first, the named mistake's words with it (WCAG 4.1.3)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, expect

from .conftest import TWO_FRAMES, Watch

pytestmark = pytest.mark.e2e

WATCH_JS = """() => {
  const LIVE = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], ' +
    '[role="log"], output';
  window.spoke = new Set();
  const note = (region) => window.spoke.add(region);
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = el && el.closest(LIVE);
      if (region) note(region);
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches(LIVE)) note(n);
        n.querySelectorAll(LIVE).forEach(note);
      }
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""

# the regions that spoke since the last call, with their words (a hidden or empty one says nothing)
TAKE_JS = """() => {
  const said = [...window.spoke]
    .filter((r) => r.isConnected && !r.closest('[hidden], [aria-hidden="true"]'))
    .map((r) => [r.id, r.textContent.replace(/\\s+/g, " ").trim()])
    .filter(([, words]) => words);
  window.spoke.clear();
  return said;
}"""


def live_regions(cdp: CDPSession) -> list[str]:
    """The roles of the accessibility tree's live regions (polite or assertive)."""
    nodes: list[dict[str, Any]] = cdp.send("Accessibility.getFullAXTree")["nodes"]
    roles = []
    for node in nodes:
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        if props.get("live") in ("polite", "assertive"):
            roles.append(str(node.get("role", {}).get("value")))
    return roles


def said_once(page: Page, cdp: CDPSession, starts: str, regions: list[str]) -> str:
    """The one announcement of the action just done: by #announce, beginning with ``starts``;
    the accessibility tree's live regions are still ``regions`` (none came with the swap)."""
    expect(page.locator("#announce")).to_contain_text(starts)
    page.evaluate(TWO_FRAMES)
    said = page.evaluate(TAKE_JS)
    assert len(said) == 1, said
    region, words = said[0]
    assert region == "announce" and words.startswith(starts), said
    assert live_regions(cdp) == regions
    return str(words)


def check(page: Page, text: str) -> None:
    page.locator("#answer-0").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text) if text else page.keyboard.press("Delete")
    page.keyboard.press("Enter")


def press(page: Page, element_id: str) -> None:
    page.locator(f"#{element_id}").focus()
    page.keyboard.press("Enter")


def heard_as_seen(page: Page, words: str) -> None:
    """What the page shows under the field starts the announcement, and the field names it."""
    head = page.locator("#feedback .feedback-head").inner_text().strip()
    assert words.startswith(head), (head, words)
    field = page.locator("#answer-0")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "feedback")
    expect(page.locator("#feedback")).to_be_visible()


def test_each_practice_action_is_announced_once(page: Page, server: str, watch: Watch) -> None:
    watch.allow_status(422)  # an answer that is no number is answered in place
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/practice/single-neuron?set=doc000-exercises")
    cdp = page.context.new_cdp_session(page)
    regions = live_regions(cdp)
    assert regions == ["generic"], regions  # #announce, a div: the page's one live region
    page.evaluate(WATCH_JS)

    check(page, "0.125")  # the bias left out: a named mistake
    words = said_once(page, cdp, "Not right yet.", regions)
    assert "bias" in words, words
    heard_as_seen(page, words)
    check(page, "")
    heard_as_seen(
        page, said_once(page, cdp, "That is not a number yet. Your answer is empty", regions)
    )
    check(page, "1e999")
    heard_as_seen(page, said_once(page, cdp, "That number is beyond float64's range.", regions))
    check(page, "1.125")
    said_once(page, cdp, "Right, on a later try.", regions)
    expect(page.locator("#feedback")).to_contain_text("Right, on a later try.")

    press(page, "next-step")
    said_once(page, cdp, "Question: Activation of", regions)
    press(page, "prev-step")
    said_once(page, cdp, "Right, on a later try.", regions)
    press(page, "next-step")
    said_once(page, cdp, "Question: Activation of", regions)
    press(page, "help-answer")
    said_once(page, cdp, "The answer is shown: this step counts as not answered.", regions)
    expect(page.locator("#feedback")).to_contain_text("counts as not answered")
    expect(page.locator("#result .result-value")).not_to_be_empty()  # still shown


def test_the_explorers_next_step_is_announced_once(page: Page, server: str, watch: Watch) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/explore/single-neuron")
    cdp = page.context.new_cdp_session(page)
    regions = live_regions(cdp)  # #announce and the regions that wait, empty, for their words
    page.evaluate(WATCH_JS)
    for k in (1, 2, 3):
        press(page, "next-step")
        said_once(page, cdp, f"Step {k} of 11:", regions)
    expect(page.locator("#result .result-value")).not_to_be_empty()
