"""The seeded incident generator: one plan per bundle, then every file of the bundle contract.

A bundle is a pure function of ``(system, seed, index)``: the same arguments always write the
same bytes. What a bundle holds:

* one fault (bad deploy, flag flip, config change, infra change, or a dependency/resource fault
  with no change; deploys and flags sometimes as partial rollouts with a smaller effect) on a
  root component; its effect starts on the root and reaches the callers hop by hop, 1–3 minutes
  later each, attenuated;
* the distractions of production: several benign changes (one on the symptom's own path, one
  deploy just before the incident, sometimes a mitigation after detection), noisy services
  with their own unrelated error bursts, sometimes a loud unrelated anomaly that begins near the
  onset off the fault's propagation path, alert storms on the callers, clock skew between
  sources, a service without metrics.

The parts: :mod:`~rcagraph.synthetic.incidents.topologies` (the real topologies, as data),
:mod:`~rcagraph.synthetic.incidents.plan` (what happens in one incident),
:mod:`~rcagraph.synthetic.incidents.bundle` (the files; ``telemetry`` writes metrics, logs and
alerts, ``formats`` the payloads of the real tools).
"""

from rcagraph.synthetic.incidents.bundle import generate, write_bundle
from rcagraph.synthetic.incidents.plan import FAULT_VARIANTS, plan_incident
from rcagraph.synthetic.incidents.topologies import TOPOLOGIES

__all__ = ["FAULT_VARIANTS", "TOPOLOGIES", "generate", "plan_incident", "write_bundle"]
