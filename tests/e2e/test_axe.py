"""axe-core (WCAG 2.0/2.1 A and AA, and best practices) over every page of ours at a laptop's
1366 px and a small phone's 320 px: home, each example at the start and in each phase in both
granularities, a network from scratch, the embed and its options, the error pages, the share
panel's embed builder, the worked solution and the gradient check. Every kind of practice page
(and its embed) is in tests/e2e/test_practice.py, the parts on demand in test_lazy_parts.py.
``/docs`` is Swagger UI's markup, not ours, and is left out. Zero violations of any impact.

A page seen at both widths is loaded once, at 1366 px, checked, and checked again with the window
made 320 px wide: what the server sends does not depend on the window (it is never told it), the
style sheets' media queries apply again on a resize, and the one script that measures the window
(static/js/diagram.js, where the picture sticks) runs again on a resize; two frames are drawn
before axe looks. A page load and its render saved per such page (~0.2-0.5 s each here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page

from app.explorer.state import loaded_state, preset_state, url
from engine import GRANULARITIES, PRESETS, trace
from tests.load.heavy import heavy_scenario

from . import axe

pytestmark = pytest.mark.e2e

WIDTHS = (1366, 320)


def _explorer_starts() -> list[tuple[str, str]]:
    """Each example at its start (seen at both widths)."""
    return [(f"{pid} start", url(preset_state(pid))) for pid in PRESETS]


def _explorer_pages(width: int) -> list[tuple[str, str]]:
    """Each example at the first step of each phase, the phases in one granularity at one width
    and in the other at the other: every example, phase and granularity is seen, and every
    example's phases at both widths (axe takes ~1 s a page)."""
    pages = []
    for n, pid in enumerate(PRESETS):
        base = preset_state(pid)
        gran = GRANULARITIES[(n + WIDTHS.index(width)) % 2]
        state = replace(base, granularity=gran)
        firsts: dict[str, int] = {}
        for st in trace(state.scenario, granularity=gran).steps:
            firsts.setdefault(st.phase, st.index)
        pages += [(f"{pid} {gran} {ph}", url(state, at)) for ph, at in firsts.items()]
    return pages


def _other_pages() -> list[tuple[str, str]]:
    s = preset_state("sigmoid-2-2-2").encode_quoted()
    xor = preset_state("batch-xor").encode_quoted()
    heavy = replace(loaded_state(heavy_scenario(1, 1)), granularity="layer")
    update = next(
        st.index for st in trace(heavy.scenario, "layer").steps if st.kind == "weight_update"
    )
    return [
        ("home", "/"),
        ("home, a refused layer", "/explore/new?layers=2,x,1&hidden=sigmoid&output=sigmoid"),
        (
            "scratch 3-4-4-2",
            "/explore/new?layers=3,4,4,2&hidden=tanh&output=sigmoid&loss=half_sse"
            "&init=random&seed=1",
        ),
        ("embed", "/embed/sigmoid-2-2-2?at=15"),
        ("embed, every panel", "/embed/batch-xor?panels=all&at=9"),
        (
            "embed, a caption and hidden parts",
            "/embed/linear-2-2-1?at=3&hide=error,finish,view"
            "&caption=" + quote("Week 3: the forward pass"),
        ),
        ("embed, locked", "/embed/sigmoid-2-2-2?from=12&to=20&at=13"),
        ("embed, locked phases", "/embed/single-neuron?phases=backward&at=5&readonly=1"),
        ("embed, no such example", "/embed/nothing-here"),
        ("404", "/explore/no-such-example"),
        ("a bad s", "/explore?s=not-a-state"),
        ("a too-long s", "/explore?s=" + "A" * 40_000),
        ("a refused view", f"/explore/view?s={s}&at=3&precision=99"),
        ("embed builder", f"/share/embed-code?s={s}&at=4&panels=step,diagram&from=2&to=9"),
        ("embed builder, refused", f"/share/embed-code?s={s}&from=x"),
        ("worked solution", "/export/worked?preset=sigmoid-2-2-2"),
        ("worked solution, xor", f"/export/worked?s={xor}"),
        ("gradient check", f"/explore/gradcheck?s={s}&at=3"),
        # a large layer's update: its result, a 16 × 16 matrix, scrolls sideways
        ("a large layer's update", url(heavy, update)),
    ]


def _too_large(page: Page, server: str) -> None:
    """A 413: a form over the body limit posted to the explorer."""
    page.goto(server + "/explore/sigmoid-2-2-2")
    page.evaluate(
        """() => {
          const f = document.createElement('form');
          f.method = 'post'; f.action = '/explore/edit';
          const t = document.createElement('textarea');
          t.name = 's'; t.value = 'A'.repeat(1100000);
          f.appendChild(t); document.body.appendChild(f); f.submit();
        }"""
    )
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "That was too large to send"


Visit = str | Callable[[Page, str], None]
OTHERS: list[tuple[str, Visit]] = [*_other_pages(), ("413", _too_large)]
# (the widths it is checked at, name, visit)
PAGES: list[tuple[tuple[int, ...], str, Visit]] = [
    *[(WIDTHS, name, visit) for name, visit in [*_explorer_starts(), *OTHERS]],
    *[((width,), name, visit) for width in WIDTHS for name, visit in _explorer_pages(width)],
]


@pytest.fixture(scope="module")
def axe_page(browser: Browser) -> Iterator[Page]:
    """One page, reused by every test, its window as wide as each test asks."""
    context = browser.new_context(bypass_csp=True, viewport={"width": WIDTHS[0], "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("widths", "visit"),
    [(ws, v) for ws, _, v in PAGES],
    ids=[f"{' and '.join(f'{w}px' for w in ws)} {name}" for ws, name, _ in PAGES],
)
def test_the_page_has_no_axe_violations(
    axe_page: Page, server: str, widths: tuple[int, ...], visit: Visit
) -> None:
    axe_page.set_viewport_size({"width": widths[0], "height": 900})
    if callable(visit):
        visit(axe_page, server)
    else:
        axe_page.goto(server + visit)
    failures = [f"at {w} px:\n{said}" for w, said in axe.at_widths(axe_page, widths)]
    assert not failures, "\n".join(failures)
