"""Backends: one small module each behind the :class:`~unified.backends.base.Backend` seam."""
