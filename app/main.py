"""The ASGI app: ``app.main:app``, built by ``create_app`` (tests pass their own settings)."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import errors, export, middleware, observe, templating
from .api import routes as api
from .caches import DerivedCache
from .explorer import embed, gradcheck_panel, lazy, oembed, on_demand, pages, share
from .explorer.budget import RenderSlots, share_the_interpreter
from .practice import routes as practice
from .settings import Settings

DESCRIPTION = (
    "Backpropagation, computed exactly in float64 by a NumPy engine. Post a scenario "
    "(network, parameters, data, loss) to get its forward pass, gradients, one update, "
    "a training run, or the micro-steps of one iteration. Errors answer 422 naming the "
    "field and the rule."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="Backprop Explorer API",
        version="1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=api.operation_id,
    )
    app.state.settings = settings
    app.state.derived = DerivedCache(settings.cache_mb * 2**20)  # the one cache: empty at start
    app.state.render_slots = RenderSlots()  # heavy renders in flight: one per core
    share_the_interpreter()
    app.state.templates = templating.templates(settings)
    share.install(app.state.templates)
    on_demand.install(app.state.templates)
    app.mount("/static", StaticFiles(directory=str(settings.static_dir)), name="static")
    # practice before embed: /embed/practice is not the example "practice" (/embed/{preset});
    # the gradients panel's /explore/gradcheck ahead of the pages' /explore/{preset_id}
    routers = (api.router, practice.router, embed.router, share.router, oembed.router)
    for router in (*routers, gradcheck_panel.router, lazy.router, pages.router, *export.ROUTERS):
        app.include_router(router)
    app.include_router(templating.router)
    errors.install(app)
    middleware.install(app, settings)
    observe.install(app)  # metrics and JSON access lines, when on: outermost, sees every answer
    return app


def settle_the_collector() -> None:
    """Python's cycle collector, set for a server that keeps a cache: what the import made (the
    modules, the app, its templates) frozen out of its scans, and the youngest generation
    collected every 10,000 allocations, not 700. A click used to meet a full collection of all
    of it (~200 ms) once in a few hundred clicks: bench.render's p99 123 / 147 ms -> 25 / 32 ms
    in one run, the p50 alike (2026-12-02, bench/RESULTS.md). Garbage without cycles goes as
    soon as it is dropped, as before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


app = create_app()
settle_the_collector()  # the served app's process only: a test's create_app leaves it alone
