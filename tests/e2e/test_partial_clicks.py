"""A step answers only the parts it changes (app/explorer/partial.py): proof that the page after
each click is the page its address renders. Over every step of every preset at both
granularities (and the embed's), Next to the end, Previous back to the start, then Next phase:
after each click the explorer (and the announcement) as htmx left it is compared with the same
parts of the full page of the address the click put in the address bar, whitespace-normalised.
One page load per walk; the clicks and the comparisons run inside the page. The explorer is
copied after each click, and the full pages are fetched when the walk is done, four at a time
(they were fetched one by one between the clicks): the same pairs compared, the server's
rendering of full pages overlapping the browser's parsing of them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import Page

from app.explorer.state import preset_state, url
from engine import GRANULARITIES, PRESETS

from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e

WALKS = [
    (f"{preset}/{g}", url(replace(preset_state(preset), granularity=g)))
    for preset in PRESETS
    for g in GRANULARITIES
] + [(f"embed/{g}", f"/embed/sigmoid-2-2-2?granularity={g}") for g in GRANULARITIES]

# Runs in the page: clicks one button until it is disabled ("timeline": each time another of
# the timeline's buttons, spread over it), and after each click compares the live explorer with
# the full page of the current address. Returns what differs.
WALK = """
async ([button, limit]) => {
  const pick = (n) => {
    if (button !== "timeline") return document.getElementById(button);
    const all = [...document.querySelectorAll("#timeline button:not(.current):not([disabled])")];
    return all[(n * 7 + 3) % all.length];
  };
  const junk = ["htmx-request", "htmx-settling", "htmx-added", "htmx-swapping"];
  const norm = (s) => s.replace(/\\s+/g, " ").replace(/> </g, "><").trim();
  // what static/js/embed.js does to the page once loaded: the same on both sides
  const enhanced = (copy) => {
    for (const el of copy.querySelectorAll("[data-complete-origin]")) {
      el.removeAttribute("data-complete-origin");
    }
    for (const el of copy.querySelectorAll("button[data-copy]")) el.hidden = false;
    // and static/js/diagram.js: the readout line under the picture is the script's own text
    for (const el of copy.querySelectorAll(".diagram-readout")) el.textContent = "";
  };
  const snapshot = (doc) => {
    const parts = ["explorer", "announce", "embed-open"].map((id) => doc.getElementById(id));
    return parts.filter((e) => e).map((e) => {
      const copy = e.cloneNode(true);
      enhanced(copy);
      for (const el of [copy, ...copy.querySelectorAll("[class]")]) {
        el.classList.remove(...junk);
        if (el.getAttribute("class") === "") el.removeAttribute("class");
      }
      return norm(copy.outerHTML).replaceAll(location.origin, "");
    }).join("\\n");
  };
  const answered = () => new Promise((done) =>
    document.body.addEventListener("htmx:afterRequest", (e) => done(e.detail), { once: true }));
  const tick = () => new Promise((done) => setTimeout(done, 0));
  const seen = window.fullPages || (window.fullPages = new Map());
  const found = { clicks: 0, partial: 0, differ: [], history: history.length };
  const shownAt = [];  // [address, the explorer as the click left it], in click order
  for (let n = 0; n < limit; n++) {
    const target = pick(n);
    if (!target || target.disabled) break;
    const reply = answered();
    target.click();
    const detail = await reply;
    await tick();
    found.clicks += 1;
    if (detail.xhr.getResponseHeader("HX-Reswap") === "none") found.partial += 1;
    shownAt.push([location.href, snapshot(document)]);
  }
  found.history = history.length - found.history;
  // the full page of each address reached, fetched once the walk is done, four at a time
  // (Previous and Next phase come back to pages seen)
  const wanted = [...new Set(shownAt.map(([url]) => url))].filter((url) => !seen.has(url));
  const load = async (url) => {
    const whole = await (await fetch(url)).text();
    seen.set(url, snapshot(new DOMParser().parseFromString(whole, "text/html")));
  };
  for (let k = 0; k < wanted.length; k += 4) await Promise.all(wanted.slice(k, k + 4).map(load));
  for (const [url, shown] of shownAt) {
    const expected = seen.get(url);
    if (shown !== expected) {
      let i = 0;
      while (i < shown.length && shown[i] === expected[i]) i++;
      found.differ.push({ url, shown: shown.slice(Math.max(0, i - 100), i + 200),
                          expected: expected.slice(Math.max(0, i - 100), i + 200) });
      if (found.differ.length > 3) break;
    }
  }
  return found;
}
"""


def walk(page: Page, button: str, limit: int = 10_000) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(WALK, [button, limit])
    return found


@pytest.mark.parametrize(("name", "path"), WALKS, ids=[w[0] for w in WALKS])
def test_every_step_by_its_parts_is_the_page_of_its_address(
    page: Page, server: str, watch: Watch, name: str, path: str
) -> None:
    page.goto(server + path)
    forward = walk(page, "next-step")
    back = walk(page, "prev-step")
    phases = walk(page, "next-phase")
    for found in (forward, back, phases):
        assert not found["differ"], "\n".join(
            f"{d['url']}\n  shown:    {d['shown']}\n  expected: {d['expected']}"
            for d in found["differ"]
        )
        assert found["history"] == 0  # a step replaces the address: no entry is added
    assert forward["clicks"] == back["clicks"] > 0
    # every click was answered by its parts alone
    assert forward["partial"] == forward["clicks"] and back["partial"] == back["clicks"]


LONG = "/explore/new?layers=2,8,8,1&hidden=tanh&output=sigmoid&loss=half_sse"  # 282 steps


@pytest.mark.parametrize(
    ("path", "forward", "back"),
    [("/explore/sigmoid-2-2-2", 0, 0), (LONG, 50, 20)],
    ids=["sigmoid-2-2-2", "2-8-8-1"],
)
def test_a_jump_from_the_timeline_by_its_parts_is_the_page_of_its_address(
    page: Page,
    server: str,
    watch: Watch,
    shots: Shots,
    path: str,
    forward: int,
    back: int,
) -> None:
    """The timeline's buttons, groups and Start written from data (timeline_answer.py); a long
    iteration's window moved step by step (through two phase changes) and by jumps; and its
    diagram's last focus label taken away (an ``order`` swap that keeps none)."""
    page.goto(server + path)
    walks = [walk(page, "next-step", forward), walk(page, "prev-step", back)]
    walks = walks if forward else []
    walks.append(walk(page, "timeline", 24))
    for found in walks:
        assert not found["differ"], "\n".join(
            f"{d['url']}\n  shown:    {d['shown']}\n  expected: {d['expected']}"
            for d in found["differ"]
        )
        assert found["partial"] == found["clicks"] > 0
    name = "long" if forward else "short"
    for width in (1366, 400):  # the timeline as the swaps left it
        page.set_viewport_size({"width": width, "height": 900})
        shots.take(page.locator("#timeline"), f"timeline-after-jumps-{name}-{width}.png")
