"""Kubernetes: Events, Deployments, ReplicaSets and Pods as the API server gives them
(``kubectl get … -o json``, an event exporter's webhook), as deploy changes and failure signals
on the components they belong to. See :mod:`rcagraph.loaders.kubernetes.loader`."""

from rcagraph.loaders.kubernetes.events import EventSignal, RolloutStep, parse_event
from rcagraph.loaders.kubernetes.loader import KubernetesLoader, object_kind
from rcagraph.loaders.kubernetes.objects import component_candidates, image_tag

__all__ = [
    "EventSignal",
    "KubernetesLoader",
    "RolloutStep",
    "component_candidates",
    "image_tag",
    "object_kind",
    "parse_event",
]
