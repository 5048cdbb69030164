"""The parity and benchmark harness: legacy references, adapters, replay, reports."""
