"""A seeded generator of synthetic incident bundles (see :mod:`bench.generator.core`)."""

from bench.generator.core import FAULT_VARIANTS, generate, plan_incident, write_bundle
from bench.generator.topologies import TOPOLOGIES

__all__ = ["FAULT_VARIANTS", "TOPOLOGIES", "generate", "plan_incident", "write_bundle"]
