"""TLM numeric ops: pure-Python, numpy-like math over scalars, vectors and matrices.

Everything public is defined in :mod:`unified.tlm.ops` and re-exported here, so both
``from unified import tlm; tlm.mean(M)`` and ``from unified.tlm.ops import mean`` work.
Note that ``from unified.tlm import *`` binds ``sum``, ``max`` and ``min`` in the
importing module, shadowing the built-ins there: prefer ``tlm.sum`` or ``asum``.
"""

from unified.tlm.ops import *  # noqa: F403 - the public API is ops.__all__
from unified.tlm.ops import __all__ as __all__
