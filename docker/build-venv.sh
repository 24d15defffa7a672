#!/bin/sh
# Runs inside the image build (see ../Dockerfile): creates the venv in /opt/venv and installs into
# it the runtime dependencies listed in pyproject.toml ("deps"), then the project itself,
# editable ("project"), so app/ keeps finding templates/ and static/ beside it in /app.
#
# Wheels: when docker/wheels/ in the build context holds *.whl files (tests/container downloads
# them there before building), pip installs from them only (--no-index): fast, and no TLS or
# index needed inside the build. Otherwise pip uses PyPI (or PIP_INDEX_URL if set).
set -eu

step="$1"
wheels=/tmp/docker/wheels
venv=/opt/venv

pip_install() {
    if ls "$wheels"/*.whl >/dev/null 2>&1; then
        "$venv/bin/pip" install --no-cache-dir --no-index --find-links "$wheels" "$@"
    else
        "$venv/bin/pip" install --no-cache-dir "$@"
    fi
}

case "$step" in
    deps)
        python3 -m venv "$venv"
        "$venv/bin/python" - > /tmp/requirements.txt <<'EOF'
import tomllib
with open("/app/pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
EOF
        echo "build-venv: installing $(tr '\n' ' ' < /tmp/requirements.txt)"
        pip_install --disable-pip-version-check -r /tmp/requirements.txt
        ;;
    project)
        # Editable: the import path points at /app, so Path(__file__) in app/ is in /app.
        pip_install --disable-pip-version-check --no-deps -e /app
        rm -rf /app/*.egg-info
        # setuptools only built the editable install; pip stays, for operators.
        "$venv/bin/pip" uninstall --quiet --yes setuptools
        "$venv/bin/python" -m compileall -q /app/app /app/engine
        # Fail the build, not the first request, when the app cannot even be imported.
        (cd / && PYTHONPATH=/app "$venv/bin/python" -c "import app.main, engine")
        ;;
    *)
        echo "usage: build-venv.sh deps|project" >&2
        exit 2
        ;;
esac
