"""distribution_coder: arithmetic coding over per-step probability distributions.

The coder, its formats and the framed container are the C library's (the repository's
src/), compiled into distribution_coder._distribution_coder. See README.md, "Python".
"""
from ._distribution_coder import (
    MAX_VOCAB,
    DistributionCoder,
    DistributionCoderError,
    FramedDecoder,
    FramedEncoder,
    crc32,
    library_version,
    result_name,
)

__version__ = library_version
__all__ = [
    "DistributionCoder",
    "DistributionCoderError",
    "FramedDecoder",
    "FramedEncoder",
    "MAX_VOCAB",
    "crc32",
    "result_name",
]
