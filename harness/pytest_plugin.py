"""pytest plugin of the parity harness (fixtures, markers, options)."""
