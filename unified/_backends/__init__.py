"""Backends: one small module each behind the :class:`~unified._backends.base.Backend` seam."""
