"""Issue 12: the server's memory stays bounded whatever a client asks within the limits. The mix
that took a server from 67 to 854 MB: sixteen pages of the largest network with 256 samples at
layer granularity (precision 15), then sixteen one-sample pages at neuron granularity deep in
the iteration, each a different seed, from four clients at once, to a real uvicorn."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.server import serve
from tests.load.heavy import issue_mix, peak_rss, rss_bytes

pytestmark = pytest.mark.slow

GROWTH_LIMIT = 300 * 10**6  # bytes


def _get(url: str) -> tuple[int, int]:
    """The status, and the size of a whole explorer page with its diagram (else 0)."""
    with urllib.request.urlopen(url, timeout=600) as r:
        body = r.read()
        whole = b'id="explorer"' in body and b'id="diagram-svg"' in body
        return r.status, len(body) if whole else 0


def test_rss_grows_less_than_300_mb_over_the_issues_mix_from_four_clients() -> None:
    paths = issue_mix()
    with serve() as (base, pid):
        _get(base + "/explore/sigmoid-2-2-2")  # the app's modules and templates loaded
        start = rss_bytes(pid)
        with peak_rss(pid) as peak, ThreadPoolExecutor(4) as clients:
            answers = list(clients.map(lambda p: _get(base + p), paths))
        assert [status for status, _ in answers] == [200] * len(paths)
        # whole explorer pages (their edit grid and table load on demand since issue 11)
        assert all(size > 100_000 for _, size in answers), [size for _, size in answers]
        assert peak[0] - start < GROWTH_LIMIT, (
            f"RSS {start / 2**20:.0f} → peak {peak[0] / 2**20:.0f} MiB"
        )
