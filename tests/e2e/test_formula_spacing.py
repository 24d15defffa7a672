"""A wrapped "with the numbers" line (app/render/formula_wrap.py) keeps each operator's spacing:
at the start of a continuation line the operator is followed by its space ("× 0.5969", not
"×0.5969"), and in the middle of a line it has space on both sides. Issue 14's long lines:
batch-xor's ∂E/∂w5 neuron by neuron (step 11) and the 2-2-2's ∂E/∂w5 (step 16), at 1366 and
320 px."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page

from app.explorer.state import preset_state, url

from .conftest import Shots, Watch

pytestmark = pytest.mark.e2e

LINES = {
    "xor-11": url(replace(preset_state("batch-xor"), granularity="neuron"), 11),
    "mazur-16": url(preset_state("sigmoid-2-2-2"), 16),
}

# each piece that starts with an operator: the gaps before and after the operator, in px, and
# whether the piece starts a line (nothing of the formula to its left on its line)
GAPS = """() => [...document.querySelectorAll('#substituted .math-wrap math')].map(m => {
  const first = m.querySelector('mrow > mo:first-child');
  if (!first || first.parentElement.parentElement !== m) return null;
  const op = first.getBoundingClientRect(), next = first.nextElementSibling.getBoundingClientRect();
  const prev = m.previousElementSibling || m.parentElement.previousElementSibling;
  const left = prev ? prev.getBoundingClientRect() : null;
  const starts = !left || left.bottom <= op.top + 2;
  return {op: first.textContent, after: next.left - op.right,
          before: left && !starts ? op.left - left.right : null, starts};
}).filter(Boolean)"""


@pytest.mark.parametrize("width", [1366, 320])
def test_an_operator_keeps_its_space_where_the_line_wraps(
    page: Page, server: str, watch: Watch, shots: Shots, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 860})
    starts = 0
    for name, path in LINES.items():
        page.goto(server + path)
        gaps = page.evaluate(GAPS)
        assert len(gaps) >= 3, (name, gaps)
        for g in gaps:
            assert g["after"] >= 2, (name, width, g)  # "× 0.5969", never "×0.5969"
            if g["before"] is not None:
                assert g["before"] >= 2, (name, width, g)
        starts += sum(g["starts"] for g in gaps)
        shots.take(page.locator("#substituted"), f"formula-spacing-{name}-{width}.png")
    assert starts >= 1  # a line did wrap at an operator
