"""pytest setup: the module built into build/python by scripts/build-python.sh (or
$DC_PYTHON_BUILD), never an installed copy, so the tests check this checkout's C sources."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DC_PYTHON_BUILD", os.path.join(ROOT, "build", "python"))
if not os.path.isdir(os.path.join(BUILD, "distribution_coder")):
    raise RuntimeError(f"{BUILD} has no distribution_coder: run sh scripts/build-python.sh first")
sys.path.insert(0, BUILD)
