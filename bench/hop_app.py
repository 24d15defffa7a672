"""A FastAPI app with two empty routes, for bench/http.py: the same answer from an ``async``
route (on the event loop) and from a plain one (FastAPI runs it in its thread pool). What the
second loses is what any route that keeps the engine off the event loop pays on this machine
before it does any work: the floor under `/api/step`'s ratio to `/healthz`."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/healthz")  # bench.server waits for it; on the event loop, as the product's is
async def on_the_loop() -> PlainTextResponse:
    return PlainTextResponse("ok")


@app.get("/in-the-pool")
def in_the_pool() -> PlainTextResponse:
    return PlainTextResponse("ok")
