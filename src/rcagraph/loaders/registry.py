"""The loaders of the incident-bundle contract, in load order (topology first)."""

from __future__ import annotations

from rcagraph.loaders.base import FileLoader


def default_loaders() -> list[FileLoader]:
    """One instance of every file loader rcagraph has, topology and changes first."""
    loaders: list[FileLoader] = []
    # Each loader module registers here (imports kept local so one module's import error names
    # itself). Order matters: components exist before the events that point at them.
    from rcagraph.loaders.topology import CatalogLoader, EdgesLoader

    loaders += [CatalogLoader(), EdgesLoader()]
    from rcagraph.loaders.incident import IncidentLoader

    loaders.append(IncidentLoader())
    from rcagraph.loaders.changes import ChangesLoader, DeploymentsLoader, FlagsLoader

    loaders += [DeploymentsLoader(), FlagsLoader(), ChangesLoader()]
    from rcagraph.loaders.kubernetes import KubernetesLoader

    loaders.append(KubernetesLoader())
    from rcagraph.loaders.alerts import AlertsLoader

    loaders.append(AlertsLoader())
    # signal loaders (logs, metrics, traces) follow
    from rcagraph.loaders.logs import LogsLoader
    from rcagraph.loaders.metrics import MetricsLoader
    from rcagraph.loaders.otlp_metrics import OtlpMetricsLoader
    from rcagraph.loaders.traces import TracesLoader

    # OTLP metrics before MetricsLoader: metrics/*.otlp.json also matches metrics/*.json
    loaders += [TracesLoader(), OtlpMetricsLoader(), MetricsLoader(), LogsLoader()]
    # tickets and chat last: their mentions name the components and changes loaded above
    from rcagraph.loaders.notes import ChatLoader, TicketsLoader

    loaders += [TicketsLoader(), ChatLoader()]
    return loaders
