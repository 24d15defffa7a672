"""The embed in a real browser, on a course page served from another origin (a second loopback
port): stepping by keyboard inside the frame, the height messages to the course page and the
frame sized by embed-host.js; a non-embed page refuses to be framed there."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Frame, Page, expect

from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e

EMBED = "/embed/sigmoid-2-2-2?panels=step,diagram,timeline,table"

# The course page belongs to someone else: it may do as it likes (no CSP), and it records
# every message it receives, and every frame that finished loading, in globals.
RECORD_JS = """
window.received = [];
window.frameLoads = 0;
window.addEventListener("message", function (event) {
  window.received.push({ origin: event.origin, data: event.data });
});
// an element's load event stops at the document (it never reaches the window)
document.addEventListener("load", function (event) {
  if (event.target && event.target.tagName === "IFRAME") window.frameLoads += 1;
}, true);
"""

COURSE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Week 3: backpropagation</title>
<style>
  body {{ font-family: Georgia, serif; max-width: 60rem; margin: 0 auto; padding: 1rem; }}
  iframe {{ border: 0; display: block; width: 100%; }}
</style>
<script src="/record.js"></script>
<script src="{app}/static/js/embed-host.js" async></script>
</head><body>
<h1>Week 3: backpropagation by hand</h1>
<p>Step through one training iteration of the 2-2-2 network from the reading. Use the buttons,
or click the explorer and press the arrow keys.</p>
<iframe id="embed-frame" src="{app}{embed}" width="100%" height="600"
  title="Backprop Explorer: the 2-2-2 sigmoid example" loading="lazy"></iframe>
<p>Then answer the questions below.</p>
</body></html>
"""

REFUSE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Framing the explorer itself</title>
<script src="/record.js"></script></head><body>
<iframe id="explore-frame" src="{app}/explore/sigmoid-2-2-2" width="600" height="300"></iframe>
<iframe id="embed-frame" src="{app}/embed/sigmoid-2-2-2" width="600" height="300"></iframe>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def course(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A course page on another origin: a stdlib server on a second loopback port."""
    root: Path = tmp_path_factory.mktemp("course")
    (root / "record.js").write_text(RECORD_JS)
    (root / "course.html").write_text(COURSE.format(app=server, embed=EMBED))
    (root / "refuse.html").write_text(REFUSE.format(app=server))
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def embed_frame(page: Page) -> Frame:
    frames = [f for f in page.frames if urlsplit(f.url).path.startswith("/embed")]
    assert len(frames) == 1, [f.url for f in page.frames]
    return frames[0]


SIZED = """() => {
  const sizes = window.received.filter(m => m.data && m.data.type === "backprop-explorer:resize");
  if (!sizes.length) return false;
  const last = sizes[sizes.length - 1].data.height;
  const box = document.getElementById("embed-frame").getBoundingClientRect();
  return Math.round(box.height) === last;
}"""


def test_a_course_page_on_another_origin_embeds_the_explorer(
    page: Page, server: str, course: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(course + "/course.html")
    inside = page.frame_locator("#embed-frame")
    expect(inside.locator("#step-counter")).to_contain_text("not started")
    expect(inside.locator("header.site")).to_have_count(0)
    history = page.evaluate("history.length")

    # step by keyboard inside the frame: focus its document, then the arrow keys
    inside.locator("#title").click()
    page.keyboard.press("ArrowRight")
    expect(inside.locator("#step-counter")).to_contain_text("step 1 of 37")
    expect(inside.locator("#result")).to_contain_text("0.3775")  # net_h1, as the document
    page.keyboard.press("ArrowRight")
    expect(inside.locator("#step-counter")).to_contain_text("step 2 of 37")
    expect(inside.locator("#result")).to_contain_text("0.593269992")  # out_h1
    page.keyboard.press("ArrowRight")
    expect(inside.locator("#step-counter")).to_contain_text("step 3 of 37")
    page.keyboard.press("ArrowLeft")
    expect(inside.locator("#step-counter")).to_contain_text("step 2 of 37")
    # every control works from the keyboard: Tab reaches the buttons, Enter presses them
    inside.locator("#prev-step").focus()
    page.keyboard.press("Tab")
    expect(inside.locator("#next-step")).to_be_focused()
    page.keyboard.press("Enter")
    expect(inside.locator("#step-counter")).to_contain_text("step 3 of 37")
    expect(inside.locator("#step-title")).to_contain_text("h2")

    # the frame's address followed every click, under /embed with its options …
    frame = embed_frame(page)
    panels = "diagram%2Cstep%2Ctimeline%2Ctable"  # the canonical order
    assert frame.url == f"{server}/embed/sigmoid-2-2-2?at=2&panels={panels}"
    # … and nothing was pushed onto the course page's history
    assert page.evaluate("history.length") == history
    # a reload inside the frame restores it
    frame.evaluate("location.reload()")
    expect(inside.locator("#step-counter")).to_contain_text("step 3 of 37")
    expect(inside.locator("#timeline")).to_be_visible()
    expect(inside.locator("#train-form")).to_have_count(0)

    # the course page heard the explorer's height, from the explorer's origin
    page.wait_for_function(
        """() => window.received.some(m => m.data && m.data.subject === "lti.frameResize"
                                          && m.data.height > 0)"""
    )
    messages = page.evaluate("window.received")
    lti = [m for m in messages if isinstance(m["data"], dict) and m["data"].get("subject")]
    assert lti and all(m["origin"] == server for m in lti)
    assert all(isinstance(m["data"]["height"], int) and m["data"]["height"] > 300 for m in lti)
    # embed-host.js sized the frame to it: no scroll bar inside
    page.wait_for_function(SIZED)
    inner = frame.evaluate(
        "document.documentElement.scrollHeight - document.documentElement.clientHeight"
    )
    assert inner <= 1

    # the picture, wide and narrow (last: a screenshot leaves marks the next swap would trip on)
    shots.take(page, "embed-course-1366.png", full_page=True)
    for width in (400, 320):
        before = len(page.evaluate("window.received"))
        page.set_viewport_size({"width": width, "height": 860})
        page.wait_for_function(f"() => window.received.length > {before}")
        page.wait_for_function(SIZED)
        overflow = frame.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the embed scrolls sideways at {width} px"
        shots.take(page, f"embed-course-{width}.png", full_page=True)


def test_a_page_that_is_not_an_embed_refuses_to_be_framed_by_another_origin(
    page: Page, server: str, course: str, watch: Watch
) -> None:
    watch.allowed.append("frame-ancestors")  # chromium reports the refusal on the console
    page.goto(course + "/refuse.html")
    page.wait_for_function("() => window.frameLoads >= 2")
    embedded = page.frame_locator("#embed-frame")
    expect(embedded.locator("#explorer")).to_have_count(1)  # the embed is allowed …
    refused = page.frame_locator("#explore-frame")
    expect(refused.locator("#explorer")).to_have_count(0)  # … the explorer itself is not
    urls = [f.url for f in page.main_frame.child_frames]
    assert any(u.startswith("chrome-error://") for u in urls), urls


def test_share_panel_copy_embed_options_and_load(page: Page, server: str, watch: Watch) -> None:
    watch.allow_status(422)  # a refused file, on purpose
    watch.allow_status(413)  # a body over the server's limit, on purpose
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page.goto(server + "/explore/sigmoid-2-2-2?at=3")
    share = page.locator("#share")
    # copy the link: to the clipboard, and said so
    copy = share.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()  # shown by the script
    copy.click()
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == server + "/explore/sigmoid-2-2-2?at=3"
    # embed options change the code in place
    share.get_by_text("Embed options").click()
    page.locator("#eo-readonly").check()
    expect(page.locator("#share-embed")).to_have_value(re.compile(r"at=3&amp;readonly=1"))
    expect(page.locator("#eo-readonly")).to_be_checked()
    share.get_by_role("button", name="Copy embed code").click()
    expect(page.locator("#copy-status")).to_have_text("Embed code copied.")
    assert page.evaluate("navigator.clipboard.readText()").startswith(
        f'<iframe src="{server}/embed/sigmoid-2-2-2?at=3&amp;readonly=1"'
    )
    # a bad scenario: the message beside the form, the explorer and its address as they were
    page.locator("#f-load-text").fill('{"layers": [2, 2, 2]}')
    page.locator("#load-submit").click()
    expect(page.locator("#e-load")).to_contain_text("activations: is required")
    expect(page.locator("#step-counter")).to_contain_text("step 4 of 37")
    assert page.url == server + "/explore/sigmoid-2-2-2?at=3"
    expect(page.locator("#f-load-text")).to_have_value('{"layers": [2, 2, 2]}')
    # more than the server takes: its 413 explained in the same place
    page.locator("#f-load-text").fill("x" * 1_100_000)
    page.locator("#load-submit").click()
    expect(page.locator(".load-error")).to_contain_text("Not sent: it is over 1,000,000 bytes")
    assert page.url == server + "/explore/sigmoid-2-2-2?at=3"
    # a good one opens the explorer on it
    doc = page.evaluate("fetch('/api/presets/linear-2-2-1').then(r => r.json())")
    doc["title"] = "Loaded <b>here</b>"
    page.locator("#f-load-text").fill(json.dumps(doc))
    page.locator("#load-submit").click()
    expect(page.locator("#title")).to_have_text("Loaded <b>here</b>")
    expect(page.locator(".heading .source")).to_contain_text("Loaded from a scenario file")
    expect(page).to_have_url(re.compile(r"/explore\?s="))
