#!/bin/sh
# Builds the Python module into build/python (or $1) for the tests and the bench, with
# Debian's /usr/bin/python3; writes nothing inside python/.
set -eu
cd "$(dirname "$0")/.."
out="${1:-build/python}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
py="${DC_PYTHON:-/usr/bin/python3}"
(cd python && "$py" setup.py -q build_ext --build-lib "$out" --build-temp "$out-temp/ext" >/dev/null)
cp python/distribution_coder/__init__.py python/distribution_coder/__init__.pyi \
   python/distribution_coder/py.typed "$out/distribution_coder/"
