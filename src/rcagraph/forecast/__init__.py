"""Failure-mode forecasting: which service fails next, how, and why we think so.

* :mod:`~rcagraph.forecast.modes` groups incidents into failure modes (cause kind, component,
  signature) and writes them as ``:FailureMode`` nodes;
* :mod:`~rcagraph.forecast.history` holds the event tables (the seeded generator of months of
  synthetic operation is :mod:`rcagraph.synthetic.forecast_history`);
* :mod:`~rcagraph.forecast.risk_features` computes the features of a (service, mode) at a
  moment from the events before it;
* :mod:`~rcagraph.forecast.model` is the calibrated, time-ordered model and its drivers;
* :mod:`~rcagraph.forecast.service` runs it on the graph and writes ``:Forecast`` nodes.
"""

from rcagraph.forecast.history import History
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
    "build_failure_modes",
    "forecast_service",
    "group_modes",
    "load_history",
    "read_forecasts",
    "train_service",
    "write_history",
]
