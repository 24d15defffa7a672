"""A click the server did not answer (no network, busy, an error): the page stays as it was and
says so where the learner looks, announced (role="alert"), until the next answer comes."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, Route, expect

from .axe import summary, violations
from .conftest import Shots, Watch

# what chromium and htmx log of a request with no answer, and of a refusal
NO_ANSWER = ("htmx:sendError", "htmx:afterRequest", "Failed to load resource", "net::ERR_FAILED")


def a_step(url: str) -> bool:
    """A step's request (``/explore?…``), not the page (``/explore/<preset>``) nor its files."""
    return urlsplit(url).path == "/explore"


def test_a_step_with_no_answer_says_so_and_keeps_the_page(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    watch.allowed += NO_ANSWER
    page.set_viewport_size({"width": 400, "height": 800})
    page.route(a_step, lambda route: route.abort())  # before the load, as below
    page.goto(server + "/explore/sigmoid-2-2-2?at=3")
    problem = page.locator("#request-problem")
    expect(problem).to_be_hidden()
    expect(problem).to_have_attribute("role", "alert")
    counter = page.locator("#step-counter").inner_text()
    page.locator("#next-step").click()
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("No answer from the server")
    expect(problem).to_contain_text("Nothing on this page changed")
    assert page.locator("#step-counter").inner_text() == counter
    assert page.url.endswith("?at=3")
    # what the keyboard reaches scrolls clear of the message
    padding = "getComputedStyle(document.documentElement).scrollPaddingBottom"
    assert page.evaluate(padding) == "96px"
    shots.take(page, "request-problem-400.png")
    page.unroute(a_step)
    page.locator("#next-step").click()
    expect(page.locator("#step-counter")).not_to_have_text(counter)
    expect(problem).to_be_hidden()
    assert page.evaluate(padding) == "auto"


def test_a_busy_server_says_try_again_in_a_minute(browser: Browser, server: str) -> None:
    def busy(route: Route) -> None:
        route.fulfill(status=503, headers={"Retry-After": "30"}, body="busy")

    # axe's script needs the CSP bypassed (the test above keeps it, and its console clean)
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 700})
    page = context.new_page()
    # routed before the load: a route set after it let the step through once in CI (stop 15:
    # the step answered, the bar empty)
    page.route(a_step, busy)
    page.goto(server + "/explore/sigmoid-2-2-2")
    counter = page.locator("#step-counter").inner_text()
    with page.expect_response(lambda r: a_step(r.url)) as answer:
        page.locator("#next-step").click()  # waits until the button takes a click
    assert answer.value.status == 503
    problem = page.locator("#request-problem")
    expect(problem).to_contain_text("The server is busy")
    expect(problem).to_contain_text("try again in a minute")
    assert page.locator("#step-counter").inner_text() == counter
    found = violations(page)
    context.close()
    assert not found, summary(found)
