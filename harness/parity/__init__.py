"""Parity: replay every scenario through every implementation and compare.

- :mod:`.run`: the runner (observe, compare, verdicts); :mod:`.scenarios`,
  :mod:`.expectations`, :mod:`.observation`, :mod:`.differences`: what is run and how it
  is judged; :mod:`.shard`, :mod:`.merge`: split and join runs.
- :mod:`.adapters`: the implementations under comparison; :mod:`.replay`: the cassettes;
  :mod:`.recording`: re-recording them against the local stack (:mod:`harness.stack`);
  :mod:`.importers`, :mod:`.corpus`: scenarios from captured traffic.
- :mod:`.mutants`: the harness checking itself.
"""
