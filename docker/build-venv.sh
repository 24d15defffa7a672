#!/bin/sh
# Runs inside the image build (see ../Dockerfile).
#   deps     the venv in /opt/venv with the runtime dependencies of pyproject.toml
#   project  checks the code imports, compiles it, and takes out of the venv what a running
#            server never reads (pip itself, tests, headers, type stubs, debug symbols, and
#            uvicorn[standard]'s extras the entry point does not use)
# The project itself is not installed: PYTHONPATH=/app finds app/ and engine/, with
# templates/ and static/ beside them.
#
# Wheels: when docker/wheels/ in the build context holds *.whl files (tests/container downloads
# them there before building), pip installs from them only (--no-index): fast, and no TLS or
# index needed inside the build. Otherwise pip uses PyPI (or PIP_INDEX_URL if set).
set -eu

step="$1"
wheels=/tmp/docker/wheels
venv=/opt/venv
site="$venv/lib/python3.11/site-packages"

pip_install() {
    if ls "$wheels"/*.whl >/dev/null 2>&1; then
        "$venv/bin/pip" install --no-cache-dir --no-index --find-links "$wheels" "$@"
    else
        "$venv/bin/pip" install --no-cache-dir "$@"
    fi
}

trim() {
    # uvicorn[standard]'s extras that the entry point does not use: httptools (it runs h11,
    # whose header limit httptools lacks), websockets (the app has none), watchfiles
    # (--reload), PyYAML (log config files). uvloop stays: the event loop; python-dotenv too
    # (pydantic-settings imports it).
    "$venv/bin/pip" uninstall --quiet --yes httptools websockets watchfiles pyyaml
    # pip last (it uninstalls itself); setuptools/wheel if a venv ever brings them.
    "$venv/bin/pip" uninstall --quiet --yes pip setuptools wheel 2>/dev/null \
        || "$venv/bin/python" -m pip uninstall --quiet --yes pip
    rm -f "$venv"/bin/activate* "$venv"/bin/pip* "$venv"/bin/dotenv "$venv"/bin/watchfiles \
        "$venv"/bin/websockets "$venv"/bin/f2py "$venv"/bin/numpy-config
    find "$site" -depth -type d \( -name tests -o -name testing -o -name include \) \
        -path '*/numpy/*' -exec rm -rf {} +
    rm -rf "$site/numpy/f2py" "$site/numpy/distutils" "$site/numpy/_pyinstaller" "$site/numpy/doc"
    # pydantic's mypy plugin (a type checker's, never the server's)
    rm -f "$site/pydantic/mypy.py" "$site"/pydantic/__pycache__/mypy.*
    # numpy's extension modules for its own tests (_simd: its SIMD test bench, 1.4 MB)
    rm -f "$site"/numpy/_core/_simd.* "$site"/numpy/_core/_*_tests.*
    find "$site" \( -name '*.pyi' -o -name '*.pxd' -o -name '*.a' -o -name '*.h' \
        -o -name '*.c' -o -name '*.pyx' \) -delete
    # Debug symbols: the wheels' own libraries. numpy.libs' OpenBLAS (25 MB, not stripped) is
    # left as it is: auditwheel's patchelf moved its load segments, and a stripped copy fails to
    # load ("ELF load command address/offset not page-aligned"; it would save 2 MB).
    find "$site" -name '*.so' -path '*-packages/*/*' ! -path '*.libs/*' \
        -exec strip --strip-unneeded {} +
}

case "$step" in
    deps)
        python3 -m venv "$venv"
        python3 - > /tmp/requirements.txt <<'PY'
import tomllib
with open("/app/pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
PY
        echo "build-venv: installing $(tr '\n' ' ' < /tmp/requirements.txt)"
        pip_install --disable-pip-version-check -r /tmp/requirements.txt
        ;;
    project)
        trim
        "$venv/bin/python" -m compileall -q /app/app /app/engine /app/docker
        # Fail the build, not the first request, when the app cannot even be imported.
        (cd / && PYTHONPATH=/app "$venv/bin/python" -c "import app.main, engine, uvloop")
        du -sh "$venv" /app
        ;;
    *)
        echo "usage: build-venv.sh deps|project" >&2
        exit 2
        ;;
esac
