#!/usr/bin/env bash
# Installs the system packages the test suite needs: Debian's chromium (browser tests),
# podman + runc + debootstrap + catatonit (the container tests), poppler-utils and texlive (the
# exports); with --bench, wrk alone (make bench). Idempotent; does nothing when all are present.
set -euo pipefail
need=()
if [ "${1:-}" = --bench ]; then
    # make bench: wrk loads the server (bench/loadgen.py; without it a Python generator does, slower)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)
else
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v podman >/dev/null 2>&1 || command -v docker-engine-present >/dev/null 2>&1 || need+=(podman runc)
    command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
    # podman kube play (tests/container/test_kube.py) needs the pause process
    command -v catatonit >/dev/null 2>&1 || [ -x /usr/libexec/podman/catatonit ] || need+=(catatonit)
    # the worked solution's tests: pdftotext/pdftoppm read chromium's PDF; pdflatex compiles the LaTeX
    # export (texlive-latex-base + -recommended for amsmath: ~150 MB, ~70 s to install here)
    command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
    command -v pdflatex >/dev/null 2>&1 || need+=(texlive-latex-base texlive-latex-recommended)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing ${need[*]} and cannot apt-get them (not root or not Debian); the tests that need them will say so." >&2
    exit 0
fi
echo "system-deps: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
