# Backprop Explorer: the FastAPI app on Debian's own Python 3.11, served by uvicorn.
#   docker build -t backprop-explorer . && docker run --rm -p 8000:8000 backprop-explorer
# Configuration is by environment variable: see docker/README.md; deployments: deploy/.
# FROM debian:bookworm-slim, not python:3.11-slim: only a Debian base can be made locally where
# no image registry is reachable (debootstrap + import; see tests/container/).
#
# Three stages: "python" (the base plus Debian's python3, no apt caches: the runtime's only
# layer of packages), "build" (a venv with the runtime dependencies, then everything a running
# server never reads taken out of it) and the runtime (python + the venv + the code).

FROM debian:bookworm-slim AS python
ENV LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# Unpinned on purpose: bookworm's python3 is 3.11, and its point releases are security fixes.
# Without apt's lists and its two package caches (/var/cache/apt/*.bin, 90 MB: apt rebuilds
# them on its next update) and without the parts of the standard library a server never
# imports (tests, 2to3, IDLE, tkinter, the help texts, distutils; unittest, sqlite3 and its
# library, the pure-Python decimal that _decimal replaces, the C test modules, the CJK codecs'
# extensions, audio: 3.7 MB). The build stage still needs venv and py3compile: they stay.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old \
       /var/lib/dpkg/*-old /var/log/apt /var/log/dpkg.log /var/log/alternatives.log \
    && py=/usr/lib/python3.11 \
    && rm -rf "$py/test" "$py/idlelib" "$py/lib2to3" "$py/tkinter" "$py/turtledemo" \
       "$py/pydoc_data" "$py/ensurepip" "$py/distutils" "$py"/__pycache__/pydoc.* \
       "$py"/__pycache__/turtle.* "$py/unittest" "$py/sqlite3" "$py/_pydecimal.py" \
       "$py"/__pycache__/_pydecimal.* "$py"/lib-dynload/_test*.so \
       "$py"/lib-dynload/_ctypes_test*.so "$py"/lib-dynload/_xxtestfuzz*.so \
       "$py"/lib-dynload/xxlimited*.so "$py"/lib-dynload/_sqlite3*.so \
       "$py"/lib-dynload/_codecs_*.so "$py"/lib-dynload/audioop*.so \
       "$py"/lib-dynload/ossaudiodev*.so /usr/lib/*-linux-gnu/libsqlite3.so.0*

# ---- build: the venv, dependencies first so that code changes keep this layer cached ------
FROM python AS build
# python3-venv brings pip's wheel for the venv; binutils brings strip.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-venv binutils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
# docker/ holds build-venv.sh and, when the tests downloaded them, wheels/ for an offline install.
COPY docker/ /tmp/docker/
RUN sh /tmp/docker/build-venv.sh deps
COPY engine/ engine/
COPY app/ app/
COPY templates/ templates/
COPY static/ static/
COPY docker/entrypoint.py docker/healthcheck.py docker/
RUN sh /tmp/docker/build-venv.sh project

# ---- runtime -------------------------------------------------------------------------------
FROM python
LABEL org.opencontainers.image.title="Backprop Explorer" \
      org.opencontainers.image.description="Step through backpropagation one click at a time" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# Code and assets stay owned by root: the server (user app) can read them, not change them.
# One BLAS thread per worker: the matrices are tiny, and WORKERS processes share the cores.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=1
WORKDIR /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/opt/venv/bin/python", "/app/docker/healthcheck.py"]
CMD ["/opt/venv/bin/python", "/app/docker/entrypoint.py"]
