"""A preset names its quantities as its document does (issue 14, DESIGN.md "Each document's own
notation"): document 002 calls its target actual (½(prediction − actual)²), on every page of the
preset as document 000's y."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state, url
from engine import GRANULARITIES, trace


def _panel(html: str) -> str:
    i = html.index('<section class="step-pane"')
    return html[i : html.index("</section>", i)]


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_document_002_says_actual(client: TestClient, granularity: str) -> None:
    st = replace(preset_state("linear-2-2-1"), granularity=granularity)
    kinds = [s.kind for s in trace(st.scenario, granularity).steps]
    gradient = _panel(client.get(url(st, kinds.index("output_gradient"))).text)
    # one word for one output and for the layer's matrix alike: never t_prediction or T
    assert "<mi>actual</mi>" in gradient and "<mi>T</mi>" not in gradient
    assert not re.search(r"<msub><mi>t</mi>", gradient)
