"""Builds distribution_coder._distribution_coder from the library's C sources.

The C sources are the repository's (../src, ../include): the same files as the native and
wasm builds, no second implementation. An sdist carries a copy of them in csrc/ (see
MANIFEST.in), used when ../src is absent.
"""
import os
import re
import shutil
from glob import glob

from setuptools import Extension, setup
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def library_root():
    if os.path.isdir(os.path.join(REPO, "src")) and glob(os.path.join(REPO, "src", "*.c")):
        return REPO
    return os.path.join(HERE, "csrc")  # an sdist


ROOT = library_root()
# Every .c of the library (src/ and any subfolder, e.g. src/kernels/<isa>/): the kernels
# for other targets compile to nothing, x86 picks SSE2/AVX2 at run time as natively.
# src/wasm/ holds what only the wasm module contains (not part of the native library).
LIB_SOURCES = sorted(p for p in glob(os.path.join(ROOT, "src", "**", "*.c"), recursive=True)
                     if os.path.join("src", "wasm", "") not in p)
INCLUDE_DIRS = [d for d in (os.path.join(ROOT, "include"), os.path.join(ROOT, "src")) if os.path.isdir(d)]


def version():
    for d in INCLUDE_DIRS:
        h = os.path.join(d, "distribution_coder.h")
        if os.path.exists(h):
            m = re.search(r'#define DC_VERSION_STRING "([^"]+)"', open(h, encoding="utf-8").read())
            if m:
                return m.group(1)
    raise RuntimeError("distribution_coder.h not found under " + ROOT)


class sdist_with_c(sdist):
    """Copies the library's sources into csrc/ of the sdist."""

    def make_release_tree(self, base_dir, files):
        # The ../src paths of the extension are replaced by the copy in csrc/.
        super().make_release_tree(base_dir, [f for f in files if not f.startswith("..")])
        for sub in ("src", "include"):
            src = os.path.join(REPO, sub)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(base_dir, "csrc", sub),
                                ignore=shutil.ignore_patterns("*.o", "*.txt"))


ext = Extension(
    "distribution_coder._distribution_coder",
    # Paths relative to this folder, as setuptools wants them (objects of ../src land one
    # level above build_temp, still inside the build folder).
    sources=[os.path.join("src", "_distribution_coder.c")] + [os.path.relpath(s, HERE) for s in LIB_SOURCES],
    include_dirs=[os.path.relpath(d, HERE) for d in INCLUDE_DIRS],
    # Determinism as in the native build: C99, no FMA contraction, no -ffast-math.
    extra_compile_args=["-std=c99", "-ffp-contract=off", "-O2"],
)

setup(
    version=version(),
    packages=["distribution_coder"],
    package_data={"distribution_coder": ["py.typed", "*.pyi"]},
    ext_modules=[ext],
    cmdclass={"sdist": sdist_with_c},
)
