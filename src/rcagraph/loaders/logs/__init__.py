"""logs/*.jsonl, logs/*.json: OTLP/JSON log export requests or plain JSON log lines.

A file is streamed line by line. Each record's body is mined into a template with drain3 (one
``TemplateMiner`` per service, in memory); the raw records go to Parquet
(:mod:`rcagraph.loaders.rawstore`, one file per source file, column ``cluster`` = the drain
cluster of the line, and a ``.templates`` side file mapping clusters to template ids). The
graph gets what is worth reasoning about:

* ``:LogTemplate`` per (service, template text) — ``template_id`` = digest(service, template),
  ``count``, ``first_seen``, most severe ``severity`` — ``TEMPLATE_OF`` its ``:Component``;
* ``:LogEvent:Event`` of kind ``error_burst``: per service, minutes whose error-level lines
  (ERROR/FATAL, severityNumber ≥ 17) exceed the baseline median + 4 robust scales (scale =
  max(1.4826·MAD, √median, 1 line)) and at least 5 lines; runs of such minutes (gaps of one
  quiet minute allowed) form one burst with onset (first error line), peak minute, end, count,
  peak rate per minute, ``baseline_ratio`` = peak rate / max(baseline median, 0.1) and up to 5
  sample lines; ``OF_TEMPLATE`` the burst's most frequent error template;
* ``:LogEvent:Event`` of kind ``new_template``: a template whose first line is at or after the
  **cutoff**, in a service that logged at least 10 lines before the cutoff (so there was a
  baseline to be new against); at most 20 per service and file (the most frequent).

The **cutoff** (end of the baseline period) is ``incident.started_at − 30 min`` when the
bundle's ``incident.json`` gives ``started_at`` and the file has data before it, else the time
at 25 % of the file's time span. The burst baseline of a service is its minutes before the
cutoff (at least 5), else the leading 25 % of its minutes.

Detection runs per file (a loader sees one file at a time); events of the same service and
onset from two files MERGE into one node. Memory is bounded by the per-minute and per-template
tallies (services × minutes, services × templates), not by the number of lines: lines stream
through to Parquet in chunks.

The parts: parsing lines (:mod:`.parse`), template mining (:mod:`.templates`), tallies and
detection (:mod:`.episodes`) and the loader that writes the graph (:mod:`.loader`).
"""

from rcagraph.loaders.epoch_ns import MINUTE_NS, dt_to_ns, ns_to_dt
from rcagraph.loaders.logs.episodes import (
    BURST_MIN_LINES,
    BURST_Z,
    NEW_TEMPLATE_MIN_BASELINE_LINES,
    NEW_TEMPLATES_PER_SERVICE,
    SAMPLES,
    Burst,
    LogTallies,
    find_bursts,
    new_templates,
)
from rcagraph.loaders.logs.loader import LogsLoader
from rcagraph.loaders.logs.parse import KIND, LogRecord, parse_log_value
from rcagraph.loaders.logs.templates import Miner, mask
from rcagraph.loaders.normal_window import LOOKBACK_NS, incident_start_ns

__all__ = [
    "BURST_MIN_LINES",
    "BURST_Z",
    "KIND",
    "LOOKBACK_NS",
    "MINUTE_NS",
    "NEW_TEMPLATES_PER_SERVICE",
    "NEW_TEMPLATE_MIN_BASELINE_LINES",
    "SAMPLES",
    "Burst",
    "LogRecord",
    "LogTallies",
    "LogsLoader",
    "Miner",
    "dt_to_ns",
    "find_bursts",
    "incident_start_ns",
    "mask",
    "new_templates",
    "ns_to_dt",
    "parse_log_value",
]
