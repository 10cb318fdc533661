"""Seeded synthetic data, shipped with the package (as PyRCA ships its simulator).

* :mod:`~rcagraph.synthetic.incidents` writes incident bundles on real microservice topologies,
  with their ground truth (``python -m rcagraph.synthetic``); the tests, the accuracy benchmark
  and the tuning notebook rank them;
* :mod:`~rcagraph.synthetic.forecast_history` makes up months of operation as a forecasting
  :class:`~rcagraph.forecast.history.History` (``rcagraph forecast generate`` writes one into a
  scope).

Both are pure functions of their seed: the same arguments give the same bytes.
"""
