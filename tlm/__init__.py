"""TLM numeric ops: pure-Python, numpy-like math over scalars, vectors and matrices.

Everything public is defined in :mod:`tlm.ops` and re-exported here, so both
``import tlm; tlm.mean(M)`` and ``from tlm.ops import mean`` work.
Note that ``from tlm import *`` binds ``sum``, ``max`` and ``min`` in the
importing module, shadowing the built-ins there: prefer ``tlm.sum`` or ``asum``.
"""

from tlm.ops import *  # noqa: F403 - the public API is ops.__all__
from tlm.ops import __all__ as __all__
