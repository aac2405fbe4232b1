"""Issue #14: every ```python block of the README runs (each in a fresh namespace, with the
module built from this checkout, see conftest.py) and its asserts hold."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
with open(README, encoding="utf-8") as f:
    BLOCKS = [(text[: m.start()].count("\n") + 1, m.group(1))
              for text in [f.read()]
              for m in re.finditer(r"^```python\n(.*?)^```$", text, re.M | re.S)]


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2
    assert all("assert" in code for _, code in BLOCKS)


@pytest.mark.parametrize("line,code", BLOCKS, ids=[f"README line {n}" for n, _ in BLOCKS])
def test_readme_python_block_runs(line, code):
    exec(compile(code, f"README.md line {line}", "exec"), {"__name__": "readme"})
