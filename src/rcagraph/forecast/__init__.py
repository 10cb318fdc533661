"""Failure-mode forecasting: which service fails next, how, and why we think so.

* :mod:`~rcagraph.forecast.modes` groups incidents into failure modes (cause kind, component,
  signature) and writes them as ``:FailureMode`` nodes;
* :mod:`~rcagraph.forecast.history` holds the event tables and a seeded generator of months of
  synthetic operation;
* :mod:`~rcagraph.forecast.features` computes the features of a (service, mode) at a moment from
  the events before it;
* :mod:`~rcagraph.forecast.model` is the calibrated, time-ordered model and its drivers;
* :mod:`~rcagraph.forecast.service` runs it on the graph and writes ``:Forecast`` nodes.
"""

from rcagraph.forecast.history import History, HistoryConfig, generate_history
from rcagraph.forecast.model import Driver, Forecast, ForecastConfig, ForecastModel
from rcagraph.forecast.modes import FailureModeInfo, build_failure_modes, group_modes
from rcagraph.forecast.service import (
    forecast_service,
    load_history,
    read_forecasts,
    train_service,
    write_history,
)

__all__ = [
    "Driver",
    "FailureModeInfo",
    "Forecast",
    "ForecastConfig",
    "ForecastModel",
    "History",
    "HistoryConfig",
    "build_failure_modes",
    "forecast_service",
    "generate_history",
    "group_modes",
    "load_history",
    "read_forecasts",
    "train_service",
    "write_history",
]
