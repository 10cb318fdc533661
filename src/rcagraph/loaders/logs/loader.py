"""The logs loader: a file streamed to Parquet and mined, its templates and events written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rcagraph.ids import digest, uid
from rcagraph.loaders import otlp
from rcagraph.loaders.base import LOADER_VERSION, LoadContext
from rcagraph.loaders.epoch_ns import MINUTE_NS, ns_to_dt
from rcagraph.loaders.logs.episodes import LogTallies, find_bursts, new_templates
from rcagraph.loaders.logs.parse import KIND, parse_log_value
from rcagraph.loaders.logs.templates import Miner
from rcagraph.loaders.normal_window import incident_start_ns
from rcagraph.loaders.rawstore import (
    LOG_SCHEMA,
    LOG_TEMPLATE_SCHEMA,
    ParquetSink,
    make_ref,
    raw_path,
    write_table,
)
from rcagraph.loaders.signal_queries import LOG_EVENTS, LOG_TEMPLATES

# -- the loader -----------------------------------------------------------------------------


class LogsLoader:
    """logs/*.jsonl, logs/*.json → :LogTemplate, :LogEvent (error bursts, new templates), raw
    Parquet. In a ``.json`` document (one OTLP request) a record's place is its number in the
    document (``record 3``), in JSON lines its line (``line 3``)."""

    kind = KIND
    patterns: tuple[str, ...] = ("logs/*.jsonl", "logs/*.json")

    def load(self, path: Path, ctx: LoadContext) -> None:
        source = ctx.rel(path)
        ctx.report.counts(KIND)  # reported even when the file holds no record
        miner = Miner()
        tallies = LogTallies()
        raw_file = raw_path(ctx.data_dir, ctx.scope, "logs", source)
        sink = ParquetSink(raw_file, LOG_SCHEMA)
        document = path.suffix.lower() == ".json"
        try:
            for where, ordinal, item in otlp.iter_records(path, source, KIND, parse_log_value, ctx):
                line = ordinal if document else where.line or 0
                item.body = ctx.mask(KIND, item.body)  # before mining, samples and Parquet
                cluster = miner.add(item.service, item.body)
                tallies.add(item, cluster, line)
                sink.append(
                    (
                        line,
                        item.ts_ns,
                        item.service,
                        item.level,
                        item.severity_number,
                        item.body,
                        item.trace_id,
                        item.span_id,
                        cluster,
                    )
                )
        except BaseException:
            sink.abort()
            raise
        sink.close()
        self._write(ctx, source, raw_file, miner, tallies, "record" if document else "line")

    def _write(
        self,
        ctx: LoadContext,
        source: str,
        raw_file: Path,
        miner: Miner,
        tallies: LogTallies,
        unit: str,
    ) -> None:
        scope = ctx.scope
        # templates: merge drain clusters that ended with the same text
        by_id: dict[str, dict[str, Any]] = {}
        cluster_ids: dict[tuple[str, int], str] = {}
        side: dict[str, list[Any]] = {n: [] for n in LOG_TEMPLATE_SCHEMA.names}
        for (service, cluster), tally in sorted(tallies.templates.items()):
            text = miner.template(service, cluster)
            template_id = digest(service, text)
            cluster_ids[(service, cluster)] = template_id
            for name, v in zip(
                LOG_TEMPLATE_SCHEMA.names,
                (service, cluster, template_id, text, tally.count),
                strict=True,
            ):
                side[name].append(v)
            row = by_id.get(template_id)
            if row is None:
                by_id[template_id] = {
                    "uid": uid(scope, "LogTemplate", template_id),
                    "component_uid": uid(scope, "Component", service),
                    "service": service,
                    "template": text,
                    "template_id": template_id,
                    "count": tally.count,
                    "first_ns": tally.first_ns,
                    "first_line": tally.first_line,
                    "rank": tally.rank,
                }
            else:
                row["count"] += tally.count
                row["rank"] = max(row["rank"], tally.rank)
                if tally.first_ns < row["first_ns"]:
                    row["first_ns"], row["first_line"] = tally.first_ns, tally.first_line
        write_table(
            raw_path(ctx.data_dir, scope, "logs", source, "templates"), side, LOG_TEMPLATE_SCHEMA
        )
        template_rows = [
            {
                "uid": r["uid"],
                "component_uid": r["component_uid"],
                "service": r["service"],
                "template": r["template"],
                "template_id": r["template_id"],
                "count": r["count"],
                "first_seen": ns_to_dt(r["first_ns"]),
                "severity": otlp.LEVELS[r["rank"] - 1],
                "severity_rank": r["rank"],
                "source": source,
                "source_ref": f"{unit} {r['first_line']}",
                "loader_version": LOADER_VERSION,
            }
            for r in sorted(by_id.values(), key=lambda r: r["uid"])
        ]
        stats = ctx.graph.write_batches(
            LOG_TEMPLATES, template_rows, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)

        cutoff = tallies.cutoff(incident_start_ns(ctx.bundle_dir))
        events: list[dict[str, Any]] = []
        for burst in find_bursts(tallies, cutoff):
            burst_template: str | None = (
                cluster_ids.get((burst.service, burst.cluster))
                if burst.cluster is not None
                else None
            )
            onset = ns_to_dt(burst.onset_ns)
            events.append(
                {
                    "uid": uid(scope, "LogEvent", "error_burst", burst.service, onset.isoformat()),
                    "component_uid": uid(scope, "Component", burst.service),
                    "service": burst.service,
                    "template_uid": (
                        uid(scope, "LogTemplate", burst_template) if burst_template else None
                    ),
                    "source": source,
                    "source_ref": f"{unit} {burst.first_line}",
                    "loader_version": LOADER_VERSION,
                    "props": {
                        "kind": "error_burst",
                        "service": burst.service,
                        "at": onset,
                        "peak_at": ns_to_dt(burst.peak_minute * MINUTE_NS),
                        "end_at": ns_to_dt(burst.end_ns),
                        "count": burst.count,
                        "rate": burst.rate,
                        "baseline_ratio": burst.baseline_ratio,
                        "samples": burst.samples,
                        "raw_ref": make_ref(
                            ctx.data_dir,
                            raw_file,
                            service=burst.service,
                            ts=(burst.onset_ns, burst.end_ns),
                        ),
                    },
                }
            )
        for service, cluster in new_templates(tallies, cutoff):
            tally = tallies.templates[(service, cluster)]
            template_id = cluster_ids[(service, cluster)]
            events.append(
                {
                    "uid": uid(scope, "LogEvent", "new_template", service, template_id),
                    "component_uid": uid(scope, "Component", service),
                    "service": service,
                    "template_uid": uid(scope, "LogTemplate", template_id),
                    "source": source,
                    "source_ref": f"{unit} {tally.first_line}",
                    "loader_version": LOADER_VERSION,
                    "props": {
                        "kind": "new_template",
                        "service": service,
                        "at": ns_to_dt(tally.first_ns),
                        "peak_at": None,
                        "end_at": ns_to_dt(tally.last_ns),
                        "count": tally.count,
                        "rate": None,
                        "baseline_ratio": None,
                        "samples": tally.samples,
                        "raw_ref": make_ref(
                            ctx.data_dir, raw_file, service=service, cluster=cluster
                        ),
                    },
                }
            )
        stats = ctx.graph.write_batches(
            LOG_EVENTS, events, batch_size=ctx.batch_size, extra=ctx.params()
        )
        ctx.record_write(KIND, stats)
