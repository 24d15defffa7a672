"""Practice in a real browser: a learner answers right, wrong with a named mistake, with too
few digits, asks for help, reveals, and finishes a set by keyboard alone; the score and the
address survive a reload; the embed tells a course page on another origin that the set is
complete; every practice page passes axe-core at 1366 and 320 px."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from app.explorer.state import preset_state
from app.render.formatting import number
from engine import trace

from . import axe
from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e

SET = "/practice/single-neuron?set=doc000-exercises"


@functools.cache
def values() -> list[float]:
    """The document 000 iteration's values, from the engine (the test types them)."""
    return [float(st.value) for st in trace(preset_state("single-neuron").scenario).steps]


def typed(k: int) -> str:
    return f"{values()[k]:.5g}"


def focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Tab (and only Tab) until ``element_id`` has the focus."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def answer(page: Page, text: str) -> None:
    expect(page.locator("#answer-0")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def next_step(page: Page) -> None:
    expect(page.locator("#next-step")).to_be_focused()
    page.keyboard.press("Enter")


def step_is(page: Page, k: int) -> None:
    expect(page.locator("#step-counter")).to_contain_text(f"step {k + 1} of 11")


def test_a_learner_finishes_document_000s_exercises_by_keyboard(
    page: Page, server: str, watch: Watch
) -> None:
    watch.allow_status(422)  # a typo answered in place, on purpose
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + SET)
    step_is(page, 0)
    expect(page.get_by_label("Your answer for z⁽ᴸ⁾")).to_be_visible()
    expect(page.locator("#next-step")).to_be_disabled()
    tab_to(page, "answer-0")

    # too few digits: asked for more, no try counted
    answer(page, "1.1")
    expect(page.locator("#feedback")).to_contain_text("at least 3 significant digits")
    assert "tries=" not in page.url
    # not a number: said in place
    answer(page, "one")
    expect(page.locator("#feedback")).to_contain_text("is not a number")
    expect(page.locator("#announce")).to_contain_text("is not a number")
    # the weighted input without the bias: the mistake is named
    w, a_prev = 0.5, 0.25  # the preset's w(L) and a(L−1)
    answer(page, number(w * a_prev, 4))
    expect(page.locator("#feedback")).to_contain_text("bias")
    expect(page.locator("#announce")).to_contain_text("bias")  # the live region says it too
    expect(page.locator("#answer-0")).to_have_attribute("aria-invalid", "true")
    # right, with a decimal comma: on a later try
    answer(page, "1,125")
    expect(page.locator("#feedback")).to_contain_text("Right, on a later try.")
    expect(page.locator("#result")).to_contain_text("1.125")
    next_step(page)

    # a(L): the formula with the numbers first, then the answer
    step_is(page, 1)
    expect(page.locator("#answer-0")).to_be_focused()
    tab_to(page, "help-numbers")
    page.keyboard.press("Enter")
    expect(page.locator("#substituted")).to_contain_text("1.125")
    expect(page.locator("#substituted")).not_to_contain_text(number(values()[1], 9))
    answer(page, typed(1))
    expect(page.locator("#feedback")).to_contain_text("with the formula's numbers as help")
    next_step(page)

    # E_(L) is worked for the learner; then C is revealed
    step_is(page, 2)
    expect(page.locator("#answer-0")).to_have_count(0)
    next_step(page)
    step_is(page, 3)
    tab_to(page, "help-answer")
    page.keyboard.press("Enter")
    expect(page.locator("#feedback")).to_contain_text("counts as not answered")
    next_step(page)
    for k in (4, 5):  # worked
        step_is(page, k)
        next_step(page)
    for k in (6, 7, 8):
        step_is(page, k)
        answer(page, typed(k))
        expect(page.locator("#feedback")).to_contain_text("Right, at the first try.")
        next_step(page)
    for k in (9, 10):
        step_is(page, k)
        next_step(page)

    # the score: per phase and in total, the steps to review linked
    expect(page.locator("#step-title")).to_contain_text("Set complete")
    expect(page.locator("#score-total")).to_contain_text("5 of 6")
    expect(page.locator("#score-total")).to_contain_text("doc000-exercises")
    expect(page.locator("#reviews li")).to_have_count(3)
    expect(page.locator("#score-table tfoot")).to_contain_text("5 of 6")
    url = page.url
    assert "score=2hwrww111ww" in url
    page.reload()
    assert page.url == url
    expect(page.locator("#score-total")).to_contain_text("5 of 6")
    # a review link opens that step, answered as it was
    page.locator("#reviews a").first.click()
    step_is(page, 0)
    expect(page.locator("#feedback")).to_contain_text("Right, on a later try.")


def test_the_focus_stays_where_a_keyboard_learner_works(
    page: Page, server: str, watch: Watch
) -> None:
    """Previous onto an answered step, and Next onto the score, left the focus on the page's
    body (Tab then started again from the site's header): it stays on the control used, or
    the one that goes on, or the heading of what is shown."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/practice/single-neuron")
    tab_to(page, "answer-0")
    for k in (0, 1):
        answer(page, typed(k))
        next_step(page)
    step_is(page, 2)
    tab_to(page, "prev-step")
    page.keyboard.press("Enter")
    step_is(page, 1)
    expect(page.locator("#prev-step")).to_be_focused()
    page.keyboard.press("Enter")
    step_is(page, 0)  # no step before it: the way on
    expect(page.locator("#next-step")).to_be_focused()
    page.goto(server + "/practice/single-neuron?at=10&score=rrrrrrrrrr.")
    tab_to(page, "help-answer")
    page.keyboard.press("Enter")
    next_step(page)
    expect(page.locator("#step-title")).to_contain_text("Iteration finished")
    expect(page.locator("#step-title")).to_be_focused()


WATCH_ANNOUNCE_JS = """() => {
  const region = document.getElementById("announce");
  region.dataset.kept = "yes";
  window.said = [];
  new MutationObserver(() => window.said.push(region.textContent.trim()))
    .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def test_the_live_region_keeps_its_node_and_says_each_answer_once(
    page: Page, server: str, watch: Watch
) -> None:
    """A live region replaced as a node is often not announced: #announce stays the node it
    was (its text swapped in), and each answer changes it once."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + SET)
    page.evaluate(WATCH_ANNOUNCE_JS)
    tab_to(page, "answer-0")
    answer(page, number(0.5 * 0.25, 4))  # the bias left out
    expect(page.locator("#feedback")).to_contain_text("bias")
    answer(page, "1.125")
    expect(page.locator("#feedback")).to_contain_text("Right, on a later try.")
    expect(page.locator("#announce")).to_contain_text("Right, on a later try.")
    assert page.evaluate("document.getElementById('announce').dataset.kept") == "yes"
    said = page.evaluate("window.said")
    assert len(said) == 2, said
    assert "bias" in said[0] and said[1].startswith("Right, on a later try.")
    assert page.locator("[aria-live]#announce").count() == 1


def test_without_javascript_the_forms_still_work(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 400, "height": 860})
    page = context.new_page()
    try:
        page.goto(server + SET)
        page.get_by_label("Your answer for z⁽ᴸ⁾").fill("0.125")
        page.get_by_role("button", name="Check").click()  # a post, a redirect, a page
        expect(page.locator("#feedback")).to_contain_text("bias")
        assert "tries=1" in page.url and "a0=0.125" in page.url
        page.get_by_role("button", name="Show the answer").click()
        expect(page.locator("#feedback")).to_contain_text("counts as not answered")
        page.locator("a#next-step").click()
        expect(page.locator("#step-counter")).to_contain_text("step 2 of 11")
        page.locator("#f-fade").select_option("1")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("#step-counter")).to_contain_text("step 2 of 11")
        assert "fade=1" in page.url and "refade" not in page.url
    finally:
        context.close()


def test_xor_matrix_cells_at_400_px(page: Page, server: str, watch: Watch, shots: Shots) -> None:
    page.set_viewport_size({"width": 400, "height": 860})
    page.goto(server + "/practice/batch-xor?set=xor-layers")
    fields = page.locator(".answer-input")
    expect(fields).to_have_count(8)
    z1 = trace(preset_state("batch-xor").scenario, "layer").steps[0].value
    flat = [x for row in z1 for x in row]
    for k, x in enumerate(flat):
        fields.nth(k).fill(number(x, 4) if k != 3 else "0.777")  # one cell wrong
    page.locator("#check").click()
    # the wrong cell named as the step panel writes it: net with h2 as a subscript (MathML)
    expect(page.locator("#feedback")).to_contain_text("(sample 2)")
    name = page.locator("#feedback math").first
    expect(name).to_have_attribute("alttext", "net_h2")
    assert name.evaluate("m => m.querySelector('msub > mi:first-child').textContent") == "net"
    assert name.evaluate("m => m.querySelector('msub > mi:last-child').textContent") == "h2"
    expect(fields.nth(3)).to_have_attribute("aria-invalid", "true")
    expect(fields.nth(0)).not_to_have_attribute("aria-invalid", "true")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the practice page scrolls sideways at 400 px"
    shots.take(page, "practice-matrix-400.png", full_page=True)


# -- a course page on another origin ---------------------------------------------------------

RECORD_JS = """
window.received = [];
window.addEventListener("message", function (event) {
  window.received.push({ origin: event.origin, data: event.data });
});
"""

COURSE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 3: practise backprop</title>
<script src="/record.js"></script></head><body>
<h1>Week 3: compute it yourself</h1>
<iframe id="practice-frame" src="{app}/embed/practice/single-neuron?set=doc000-exercises"
  width="100%" height="900" title="Backprop Explorer practice"></iframe>
</body></html>
"""

# a frame locked to three steps (the output deltas), without the "Ask" control, captioned
LOCKED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 3: the output deltas</title>
<script src="/record.js"></script></head><body style="max-width: 700px">
<h1>Week 3: the output deltas</h1>
<iframe id="locked-frame" title="Backprop Explorer practice"
  src="{app}/embed/practice/sigmoid-2-2-2?from=12&amp;to=14&amp;hide=view&amp;caption=The%20output%20deltas"
  width="100%" height="1400"></iframe>
</body></html>
"""

HEARD = "kind => window.received.some(m => m.data && m.data.type === kind)"


def heard(page: Page, kind: str) -> list[dict[str, Any]]:
    """The messages of ``kind`` ("backprop-explorer:…") the course page received, in order,
    each ``{origin, data}``."""
    return [
        m
        for m in page.evaluate("window.received")
        if isinstance(m["data"], dict) and m["data"].get("type") == kind
    ]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def course(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("course-practice")
    (root / "record.js").write_text(RECORD_JS)
    (root / "course.html").write_text(COURSE.format(app=server))
    (root / "locked.html").write_text(LOCKED.format(app=server))
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_embed_tells_a_course_page_on_another_origin(
    page: Page, server: str, course: str, watch: Watch
) -> None:
    page.goto(course + "/course.html")
    inside = page.frame_locator("#practice-frame")
    expect(inside.locator("#step-counter")).to_contain_text("step 1 of 11")
    inside.locator("#answer-0").fill("1.125")
    inside.locator("#answer-0").press("Enter")
    expect(inside.locator("#feedback")).to_contain_text("Right")
    page.wait_for_function(HEARD, arg="backprop-explorer:progress")
    # the rest revealed or worked: Next, or "Show the answer"
    for _ in range(40):
        if inside.locator("#score-total").count():
            break
        before = inside.locator("#practice").get_attribute("data-url")
        button = "#help-answer" if inside.locator("#help-answer").count() else "#next-step"
        inside.locator(button).click()
        expect(inside.locator("#practice")).not_to_have_attribute("data-url", before or "")
    expect(inside.locator("#score-total")).to_contain_text("1 of 6")
    page.wait_for_function(HEARD, arg="backprop-explorer:completed")
    done = heard(page, "backprop-explorer:completed")
    assert len(done) == 1 and done[0]["origin"] == server
    data = done[0]["data"]
    assert (data["set"], data["score"], data["max"]) == ("doc000-exercises", 1, 6)
    st = data["statement"]
    assert st["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert st["object"]["id"].startswith(server + "/embed/practice/single-neuron")
    assert "set=doc000-exercises" in st["object"]["id"]
    assert st["result"]["score"] == {"raw": 1, "min": 0, "max": 6, "scaled": 1 / 6}
    assert st["result"]["completion"] is True
    progress = heard(page, "backprop-explorer:progress")
    assert len(progress) == 5 and progress[0]["data"]["score"] == 1


def test_a_locked_practice_frame_asks_only_its_steps_and_reports_completion(
    page: Page, server: str, course: str, watch: Watch, shots: Shots
) -> None:
    """Issue 15: practice takes the embed's options; ← → stay inside the lock."""
    page.set_viewport_size({"width": 760, "height": 1000})
    page.goto(course + "/locked.html")
    inside = page.frame_locator("#locked-frame")
    expect(inside.locator("#embed-caption")).to_have_text("The output deltas")
    expect(inside.locator("#step-counter")).to_contain_text("step 13 of 37")
    assert inside.locator("#fade-form").count() == 0  # hide=view: absent, not just unseen
    expect(inside.locator("#prev-step")).to_be_disabled()
    steps = trace(preset_state("sigmoid-2-2-2").scenario).steps
    for k in (12, 13, 14):
        expect(inside.locator("#step-counter")).to_contain_text(f"step {k + 1} of 37")
        inside.locator("#answer-0").fill(number(steps[k].value, 9))
        inside.locator("#answer-0").press("Enter")
        expect(inside.locator("#feedback")).to_contain_text("Right")
        if k == 12:
            shots.take(page, "practice-embed-locked-760.png", full_page=True)
        inside.locator("#next-step").focus()
        inside.locator("#next-step").press("Enter")
    expect(inside.locator("#score-total")).to_contain_text("3 of 3")
    page.wait_for_function(HEARD, arg="backprop-explorer:completed")
    done = [m["data"] for m in heard(page, "backprop-explorer:completed")]
    assert len(done) == 1 and (done[0]["score"], done[0]["max"]) == (3, 3)
    assert "from=12" in done[0]["statement"]["object"]["id"]
    # ← from the score goes back to the lock's last step, never before its first
    inside.locator("#prev-step").click()
    expect(inside.locator("#step-counter")).to_contain_text("step 15 of 37")


# -- accessibility and the picture -------------------------------------------------------------


def axe_pages(server: str) -> list[tuple[str, str]]:
    """Every kind of practice page: a question, feedback, help, a worked step, the score."""
    s = preset_state("sigmoid-2-2-2").encode()
    return [
        ("question", "/practice/sigmoid-2-2-2"),
        ("wrong", "/practice/sigmoid-2-2-2?at=0&score=" + "." * 37 + "&tries=1&a0=0.0275"),
        ("help", "/practice/sigmoid-2-2-2?at=1&score=1" + "." * 36 + "&help=1"),
        ("revealed", "/practice/sigmoid-2-2-2?at=0&score=r" + "." * 36),
        ("worked", "/practice/linear-2-2-1?fade=1"),
        (
            "score",
            "/practice/sigmoid-2-2-2?set=doc003-iteration&at=37&score=" + "1" * 30 + "2hr1111",
        ),
        ("matrix", "/practice/batch-xor?set=xor-layers&at=0&score=" + "." * 19 + "&a0=1&a1=x"),
        ("state", f"/practice?s={s}&at=12"),
        ("single-neuron", "/practice/single-neuron?set=doc000-exercises"),
        ("embed", "/embed/practice/sigmoid-2-2-2?set=doc003-iteration"),
        ("embed-score", "/embed/practice/single-neuron?at=11&score=11111111111"),
    ]


def test_every_practice_page_passes_axe(browser: Browser, server: str) -> None:
    """At 1366 and 320 px: each page loaded once at 1366 px, checked, made 320 px wide, drawn
    twice and checked again (as tests/e2e/test_axe.py does, and why it is the same)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    failures = []
    try:
        for name, path in axe_pages(server):
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(server + path)
            failures += [
                f"{name} at {w} px ({path[:60]}):\n{said}"
                for w, said in axe.at_widths(page, (1366, 320))
            ]
    finally:
        context.close()
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("width", [1366, 400])
def test_screenshots(browser: Browser, server: str, shots: Shots, width: int) -> None:
    """Pictures to read as a learner would (tests/e2e/screenshots/practice-*)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        for name, path in axe_pages(server)[:7]:
            page = context.new_page()  # one page per picture: a screenshot marks the page
            page.goto(server + path)
            shots.take(page, f"practice-{name}-{width}.png", full_page=True)
            page.close()
    finally:
        context.close()


def test_the_score_fits_a_phone_400_px_wide(browser: Browser, server: str) -> None:
    # all six columns in sight: a table that scrolls sideways hides "Right", the one that counts
    context = browser.new_context(viewport={"width": 400, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + dict(axe_pages(server))["score"])
        box = page.locator("#score-table").locator("xpath=..")
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth"), "the score scrolls sideways"
    finally:
        context.close()
