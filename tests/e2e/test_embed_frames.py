"""An instructor's course page on another origin (a second loopback server), in chromium:
every preset's copied snippet fits a 700 px column at every step without the script and without
scrolling inside; a locked frame stays in its range; an H5P resizer sizes the frame; the frame
steps inside ``sandbox="allow-scripts"`` (an opaque origin); the options' screenshots for
docs/EMBED.md."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from app.explorer.state import preset_state
from engine import PRESETS, trace

from .conftest import TWO_FRAMES, Shots, Watch

pytestmark = pytest.mark.e2e


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Someone else's course site: a stdlib server on a second loopback port (another
    origin), serving the pages each test writes."""
    root: Path = tmp_path_factory.mktemp("site")
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
  body {{ margin: 0; font-family: Georgia, serif; }}
  main {{ width: 700px; margin: 0 auto; padding: 0; }}
  iframe {{ border: 0; display: block; }}
</style>{head}
</head><body><main>
<h1>{title}</h1>
{body}
<p>Below the frame: the rest of the lesson.</p>
</main></body></html>
"""


def course_page(site: tuple[str, Path], name: str, body: str, head: str = "") -> str:
    base, root = site
    (root / name).write_text(PAGE.format(title="Week 3: backpropagation", body=body, head=head))
    return f"{base}/{name}"


def snippet(server: str, preset: str, at: int, query: dict[str, str]) -> str:
    """The embed code the share panel gives for this preset, step and options, its paths
    completed with the server's origin as the page's script does."""
    s = preset_state(preset).encode()
    r = httpx.get(
        f"{server}/share/embed-code",
        params={"s": s, "at": str(at), **query},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    m = re.search(r'<textarea id="share-embed"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert m
    code = unescape(m.group(1))
    assert "<script" not in code
    return code.replace('src="/', f'src="{server}/')


INNER = """() => {
  const e = document.documentElement;
  return {scroll: e.scrollHeight, client: e.clientHeight, width: e.clientWidth,
          counter: document.getElementById("step-counter").textContent.replace(/\\s+/g, " ")};
}"""


def walk(page: Page, frame: FrameLocator, n_steps: int) -> list[dict[str, Any]]:
    """Every step the frame reaches with →, from where it opens: the frame's own scroll height
    and client height at each."""
    inner = page.frames[1]
    seen = [inner.evaluate(INNER)]
    for _ in range(n_steps + 1):
        button = frame.locator("#next-step")
        if button.is_disabled():
            break
        before = seen[-1]["counter"]
        button.click()
        expect(frame.locator("#step-counter")).not_to_have_text(before)
        seen.append(inner.evaluate(INNER))
    return seen


# the three frames, and every preset with the default panels and with diagram + step
CASES = [
    ("sigmoid-2-2-2", 15, {"panels": ["diagram", "step"]}),
    ("batch-xor", 6, {"panels": ["diagram", "step"]}),
    ("linear-2-2-1", 13, {"panels": ["diagram", "step"]}),
] + [(p, -1, {"panels": ["diagram", "step", "timeline"]}) for p in PRESETS]


@pytest.mark.parametrize(("preset", "at", "query"), CASES)
def test_the_snippet_fits_a_700px_column_at_every_step_without_the_script(
    page: Page,
    server: str,
    site: tuple[str, Path],
    watch: Watch,
    preset: str,
    at: int,
    query: dict[str, Any],
) -> None:
    code = snippet(server, preset, at, query)
    height = int(re.search(r'height="(\d+)"', code).group(1))  # type: ignore[union-attr]
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(course_page(site, f"fit-{preset}-{at}.html", code))
    frame = page.frame_locator("iframe")
    expect(frame.locator("#step-counter")).to_be_visible()
    box = page.locator("iframe").bounding_box()
    assert box and round(box["width"]) == 700 and round(box["height"]) == height
    n = len(trace(preset_state(preset).scenario, preset_state(preset).granularity).steps)
    seen = walk(page, frame, n)
    assert len(seen) >= n - max(at, 0)  # it reached the last step
    need = max(s["scroll"] for s in seen)
    for s in seen:  # the whole content shows: nothing to scroll inside the frame
        assert s["scroll"] <= s["client"], (s, height)
        assert s["width"] == 700
    # and not much more than it needs (the tallest step, plus the margin for later iterations)
    assert height <= need * 1.12 + 40, (height, need)


# the picture shown: its box's width and scroll width, its texts' right edge against the box's,
# the smallest text in CSS px, and whether the frame's own page scrolls sideways
PICTURE = """() => {
  const svg = [...document.querySelectorAll('svg.diagram')]
    .find(s => s.getBoundingClientRect().width);
  const box = svg.closest('.diagram-scroll'), b = box.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')];
  return {picture: svg.id, box: box.clientWidth, scroll: box.scrollWidth, right: b.right,
          text_right: Math.max(...texts.map(t => t.getBoundingClientRect().right)),
          smallest: Math.min(...texts.map(
            t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a)),
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("preset", PRESETS)
def test_the_picture_fits_a_700px_column_with_every_label_in_view(
    page: Page, server: str, site: tuple[str, Path], watch: Watch, shots: Shots, preset: str
) -> None:
    """The 2-2-2's picture stood 736 px wide in the frame's 647 px: the targets ("t 0.01")
    were cut off at the right. A column narrower than the wide picture's least width shows the
    layers-down one: whole, its smallest text 12 px or more."""
    code = snippet(server, preset, 15, {"panels": ["diagram", "step"]})
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(course_page(site, f"picture-{preset}.html", code))
    frame = page.frame_locator("iframe")
    expect(frame.locator("#step-counter")).to_be_visible()
    seen = page.frames[1].evaluate(PICTURE)
    assert seen["scroll"] <= seen["box"] + 1, seen  # nothing to scroll sideways to
    assert seen["text_right"] <= seen["right"] + 0.5, seen  # every label in view
    assert seen["smallest"] >= 12 - 0.01 and seen["page"] <= 0, seen
    shots.take(frame.locator("#diagram"), f"embed-700-{preset}.png")


# -- a locked frame --------------------------------------------------------------------------------


def test_a_locked_frame_cannot_leave_its_range_by_keys_buttons_or_timeline(
    page: Page, server: str, site: tuple[str, Path], watch: Watch, shots: Shots
) -> None:
    src = f"{server}/embed/sigmoid-2-2-2?from=12&to=14&caption=The%20output%20deltas"
    body = f'<iframe src="{src}" width="100%" height="1500" title="Locked"></iframe>'
    page.set_viewport_size({"width": 900, "height": 1000})
    page.goto(course_page(site, "locked.html", body))
    frame = page.frame_locator("iframe")
    counter = frame.locator("#step-counter")
    expect(counter).to_contain_text("step 13 of 37")
    expect(frame.locator("#embed-caption")).to_have_text("The output deltas")
    frame.locator("#embed-cue").click()  # focus the frame, as the cue says
    expect(frame.locator("#embed-cue")).to_contain_text("Press")
    page.keyboard.press("ArrowLeft")  # before the range: nothing happens
    page.keyboard.press("ArrowRight")
    expect(counter).to_contain_text("step 14 of 37")
    page.keyboard.press("ArrowRight")
    expect(counter).to_contain_text("step 15 of 37")
    page.keyboard.press("ArrowRight")  # past the range: nothing happens
    page.wait_for_timeout(300)
    expect(counter).to_contain_text("step 15 of 37")
    expect(frame.locator("#next-step")).to_be_disabled()
    expect(frame.locator("#next-step-below")).to_be_disabled()
    for outside in ("tl-start", "tl-11", "tl-15", "tl-36"):
        expect(frame.locator(f"#{outside}")).to_be_disabled()
    expect(frame.locator("#finish")).to_have_count(0)
    frame.locator("#tl-12").click()
    expect(counter).to_contain_text("step 13 of 37")
    frame.locator("#next-step-below").click()
    expect(counter).to_contain_text("step 14 of 37")
    # a crafted address is refused by the server
    crafted = httpx.get(f"{server}/embed/sigmoid-2-2-2?from=12&to=14&at=20")
    assert crafted.status_code == 403
    shots.take(page, "embed-option-lock.png")  # the timeline, greyed outside


# -- hosts -----------------------------------------------------------------------------------------

# What h5p-resizer.js does on a host page (H5P's own protocol): answer "hello", then on
# "prepareResize" set the frame to the reported client height and answer "resizePrepared",
# then on "resize" set it to the reported scroll height; and tell frames it is "ready".
H5P_RESIZER = """
(function () {
  var handlers = {
    hello: function (iframe, data, respond) { iframe.style.width = "100%"; respond("hello"); },
    prepareResize: function (iframe, data, respond) {
      if (iframe.clientHeight !== data.scrollHeight || data.scrollHeight !== data.clientHeight) {
        iframe.style.height = data.clientHeight + "px";
        respond("resizePrepared");
      }
    },
    resize: function (iframe, data) { iframe.style.height = data.scrollHeight + "px"; }
  };
  window.h5pSeen = [];
  window.addEventListener("message", function (event) {
    if (!event.data || event.data.context !== "h5p") return;
    window.h5pSeen.push(event.data.action);
    var frames = document.getElementsByTagName("iframe"), iframe;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) { iframe = frames[i]; break; }
    }
    if (!iframe || !handlers[event.data.action]) return;
    handlers[event.data.action](iframe, event.data, function (action, data) {
      data = data || {}; data.action = action; data.context = "h5p";
      event.source.postMessage(data, event.origin);
    });
  });
})();
"""


# the "resize" messages the host page has had; the frame's content fitting it (to 2 px)
RESIZES = "() => window.h5pSeen.filter(a => a === 'resize').length"
FITS = """() => { const e = document.documentElement;
  return e.scrollHeight <= e.clientHeight && e.clientHeight <= e.scrollHeight + 2; }"""


def test_an_h5p_resizer_on_the_host_page_sizes_the_frame(
    page: Page, server: str, site: tuple[str, Path], watch: Watch
) -> None:
    (site[1] / "h5p-resizer.js").write_text(H5P_RESIZER)
    body = (
        f'<iframe id="f" src="{server}/embed/sigmoid-2-2-2?at=15" width="100%" height="200" '
        'title="Explorer"></iframe>'
    )
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(course_page(site, "h5p.html", body, '<script src="h5p-resizer.js"></script>'))
    frame = page.frame_locator("#f")
    expect(frame.locator("#step-counter")).to_contain_text("step 16 of 37")
    fits = """() => {
      const f = document.getElementById("f");
      const doc = f.contentDocument;  // cross-origin: null; the frame reports its height
      return window.h5pSeen.includes("resize") && f.getBoundingClientRect().height > 1000;
    }"""
    page.wait_for_function(fits)
    inner = page.frames[1].evaluate(INNER)
    assert inner["scroll"] <= inner["client"] <= inner["scroll"] + 2
    # a click that changes the content's height is followed: the frame says "resize" again
    # (it waited a fixed 300 ms before), and then its content fits it
    resized = page.evaluate(RESIZES)
    frame.locator("#next-step").click()
    expect(frame.locator("#step-counter")).to_contain_text("step 17 of 37")
    page.wait_for_function(f"() => ({RESIZES})() > {resized}")
    page.frames[1].wait_for_function(FITS)
    inner = page.frames[1].evaluate(INNER)
    assert inner["scroll"] <= inner["client"] <= inner["scroll"] + 2


def test_the_frame_steps_in_a_sandbox_without_same_origin(
    page: Page, server: str, site: tuple[str, Path], watch: Watch
) -> None:
    """WordPress frames a discovered oEmbed provider with sandbox="allow-scripts": an opaque
    origin, no form submission; the explorer's requests go through htmx (CORS)."""
    body = (
        f'<iframe id="f" src="{server}/embed/sigmoid-2-2-2?panels=all" width="100%" '
        'height="1400" sandbox="allow-scripts" title="Explorer"></iframe>'
    )
    page.set_viewport_size({"width": 900, "height": 900})
    page.goto(course_page(site, "sandbox.html", body))
    frame = page.frame_locator("#f")
    counter = frame.locator("#step-counter")
    expect(counter).to_contain_text("not started")
    assert page.frames[1].evaluate("window.origin") == "null"  # the sandbox's opaque origin
    frame.locator("#next-step").click()
    expect(counter).to_contain_text("step 1 of 37")
    frame.locator("#title").click()
    page.keyboard.press("ArrowRight")
    expect(counter).to_contain_text("step 2 of 37")
    frame.locator("#tl-10").click()
    expect(counter).to_contain_text("step 11 of 37")
    # a POST: finish the iteration
    frame.locator("#finish").click()
    expect(counter).to_contain_text("Iteration 2")
    # the view form (GET) and the edit form (POST)
    frame.locator("#f-precision").fill("3")
    frame.locator("#f-precision").press("Enter")
    expect(frame.locator("#loss-readout")).to_contain_text(re.compile(r"E = 0\.\d{3}\b"))
    assert "/embed?s=" in page.frames[1].url  # the frame's address followed (replaced)


def test_screenshots_of_the_options(
    page: Page, server: str, site: tuple[str, Path], watch: Watch, shots: Shots
) -> None:
    options = {
        "panels": "panels=diagram,step&at=15",
        "hide": "at=29&hide=error,preview,badges,finish,reset,view,open",
        "phases": "phases=update&granularity=layer",
        "caption": "at=4&panels=step&caption=Week%203%3A%20what%20does%20%CF%83%20do%3F",
        "readonly": "readonly=1&panels=diagram,step,edit&at=2",
    }
    page.set_viewport_size({"width": 760, "height": 1000})
    for name, query in options.items():
        src = f"{server}/embed/sigmoid-2-2-2?{query}"
        body = f'<iframe src="{src}" width="100%" height="1300" title="{name}"></iframe>'
        page.goto(course_page(site, f"shot-{name}.html", body))
        expect(page.frame_locator("iframe").locator("#step-counter")).to_be_visible()
        # the frame loaded (goto waits for the page's load, which waits for its frames') and
        # drawn: it waited a fixed 200 ms before
        page.frames[1].evaluate(TWO_FRAMES)
        shots.take(page, f"embed-option-{name}.png")


def test_the_share_panel_is_reached_from_the_toolbar_and_previews_the_frame(
    page: Page, server: str, watch: Watch, shots: Shots
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/explore/sigmoid-2-2-2?at=15")
    page.locator("#to-share").click()
    expect(page.locator("#share-h")).to_be_in_viewport()
    expect(page.locator("#embed-from-view")).to_contain_text("step 16")
    page.locator("#embed-live summary").click()
    preview = page.frame_locator("#embed-live-frame")
    expect(preview.locator("#step-counter")).to_contain_text("step 16 of 37")
    page.locator("details.embed-options summary").click()
    page.locator("#eo-preview").select_option("400")
    expect(page.locator("#embed-live-frame")).to_have_attribute("width", "400")
    page.locator("#eo-hide-finish").check()
    expect(page.locator("#share-embed")).to_have_value(re.compile(r"hide=finish"))
    expect(preview.locator("#step-counter")).to_contain_text("step 16 of 37")
    expect(preview.locator("#finish")).to_have_count(0)
    expect(preview.locator("#next-step")).to_be_visible()
    page.locator("#embed-live").scroll_into_view_if_needed()
    shots.take(page, "share-embed-preview.png")
