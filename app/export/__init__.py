"""Take the numbers away: the scenario as a NumPy or PyTorch script, the trace as CSV, a
printable worked solution (HTML and LaTeX), and the link ↔ body conversion scripts need.

    GET  /export/numpy?s=… | ?preset=…       POST /api/export/numpy     a NumPy script
    GET  /export/torch?s=… | ?preset=…       POST /api/export/torch     a PyTorch script
    GET  /export/trace.csv?s=… | ?preset=…                              the trace, one row per value
    GET  /export/worked?s=… | ?preset=…                                 a printable handout
    GET  /export/worked.tex?s=… | ?preset=…                             the handout in LaTeX
    GET  /api/scenario?s=…                   POST /api/scenario/link    a page's link ↔ a REST body
"""

from __future__ import annotations

from fastapi import APIRouter

from . import latex, links, numpy_script, torch_script, trace_csv, worked

ROUTERS: tuple[APIRouter, ...] = (
    latex.router,
    links.router,
    numpy_script.router,
    torch_script.router,
    trace_csv.router,
    worked.router,
)
