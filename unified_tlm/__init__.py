"""TLM numeric ops: pure-Python, numpy-like math over scalars, vectors and matrices.

Everything public is defined in :mod:`unified_tlm.ops` and re-exported here, so both
``import unified_tlm as tlm; tlm.mean(M)`` and ``from unified_tlm.ops import mean`` work.
Note that ``from unified_tlm import *`` binds ``sum``, ``max`` and ``min`` in the
importing module, shadowing the built-ins there: prefer ``tlm.sum`` or ``asum``.
"""

from unified_tlm.ops import *  # noqa: F403 - the public API is ops.__all__
from unified_tlm.ops import __all__ as __all__
