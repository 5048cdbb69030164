"""Performance: the perf gate, the benchmark history and one-off measurements.

- :mod:`.gate` (``python -m harness perf``): counted pairs (:mod:`.count` runs
  :mod:`.server` in fresh processes), wall pairs (:mod:`.measure`, :mod:`.wall`), the
  import pair (:mod:`.imports`), verdicts (:mod:`.verdict`), reports (:mod:`.report`),
  the gate's self-test (:mod:`.selftest`) and per-layer costs (:mod:`.layers`);
  :mod:`.cli` is its command line.
- :mod:`.subjects`, :mod:`.patterns`, :mod:`.stream`, :mod:`.peer`,
  :mod:`.engine_route`: the workloads measured.
- :mod:`.bench`: the benchmark history; :mod:`.telemetry_cost`,
  :mod:`.diskstore_compare`: measurements the README quotes.
"""
