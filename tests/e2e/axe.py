"""axe-core (vendored: tests/e2e/vendor/axe.min.js) over a page: the violations of WCAG 2.0 and
2.1, A and AA, and axe's best practices. The page must be in a context with ``bypass_csp=True``
(the app's CSP refuses the injected script otherwise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        # resultTypes: only the violations are described node by node (much quicker)
        "tags => axe.run(document, {runOnly: tags, resultTypes: ['violations']})"
        ".then(r => r.violations)",
        TAGS,
    )
    return found


def summary(found: list[dict[str, Any]]) -> str:
    """One line per violation and node, for an assertion message."""
    lines = []
    for v in found:
        for node in v["nodes"][:5]:
            lines.append(
                f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]}"
            )
    return "\n".join(lines)
