"""The features of a change candidate placed on one of the components it touches."""

from __future__ import annotations

from datetime import timedelta

from rcagraph.engine.canary import canary_features
from rcagraph.engine.features.classify import is_failure_signal
from rcagraph.engine.features.component import clock_time, component_features, exp_decay
from rcagraph.engine.features.view_graph import ViewGraph
from rcagraph.engine.result import Evidence
from rcagraph.engine.view import CauseKind, ChangeEvent, cause_kind


def kind_features(kind: CauseKind) -> dict[str, float]:
    return {f"kind_{k}": float(kind == k) for k in ("deploy", "flag", "config", "infra", "service")}


def _proxy_features(vg: ViewGraph, service: str, change: ChangeEvent) -> dict[str, float]:
    """The onset features of a changed component that its direct callers stand in for (the
    best one, discounted by ``proxy_discount``); empty when no caller turned anomalous."""
    cfg = vg.cfg
    proxies = vg.caller_proxy(service, change.at - cfg.skew)
    if not proxies:
        return {}
    near, root, reach, caller, at = max(
        (
            exp_decay(at - change.at, cfg.tau_component),
            root,
            vg.reaches_symptom(caller, at),
            caller,
            at,
        )
        for caller, at, root in proxies
    )
    d = cfg.proxy_discount
    return {
        "unobserved_proxy": 1.0,
        "change_explains": d * near * root * reach,
        "anomalous": d,
        "anomaly_after_change": d * near,
        "root_onset": d * root,
        "deepest": d * root,
        "reaches_symptom": d * reach,
        "sustained": d * vg.sustained(caller, at),
        "dominance": d * vg.strength.dominance(caller),
        "signal_match": d * vg.strength.match(caller),
    }


def change_features(
    vg: ViewGraph, change: ChangeEvent, service: str | None, later_changes: int
) -> tuple[dict[str, float], list[Evidence], tuple[str, ...]]:
    """Features of ``change`` placed on ``service`` (None: reaches no known component)."""
    cfg = vg.cfg
    kind = cause_kind(change.kind)
    f: dict[str, float] = {"is_change": 1.0, **kind_features(kind)}
    ev: list[Evidence] = []
    path: tuple[str, ...] = ()
    if service is not None:
        cf, cev, path = component_features(vg, service, change.at)
        f.update(cf)
        ev.extend(cev)
        first = vg.first_strong(service, change.at - cfg.skew)
        if first is not None:
            f["anomaly_after_change"] = exp_decay(first.at - change.at, cfg.tau_component)
            f["change_explains"] = (
                f["anomaly_after_change"]
                * f["root_onset"]
                * f.get("reaches_symptom", 0.0)
                * f.get("sustained", 0.0)
            )
        if first is None and not vg.observed(service):
            # no anomaly or log signal at all (no metrics): its direct callers stand in, the
            # best one (discounted) for the component's own onset features
            f.update(_proxy_features(vg, service, change))
            # an alert on the component itself after the change: its own monitoring saw it
            alerts = vg.count_all(service, change.at - cfg.skew, change.at + cfg.follow_window)
            if alerts:
                f["alert_after_change"] = 1.0
                f["alert_only"] = 0.0
        new_tpl = [
            s
            for s in vg.signals.get(service, [])
            if s.kind == "new_log_template"
            and is_failure_signal(s)
            and change.at - cfg.skew <= s.at <= change.at + cfg.follow_window
        ]
        f["new_template_after_change"] = float(bool(new_tpl))
        # before/after comparison: anomalies in the same span before and after the change
        # (an isolated old blip matters little; a component already failing matters a lot)
        before = vg.count_strong(service, change.at - cfg.compare_window, change.at - cfg.skew)
        after = vg.count_strong(service, change.at - cfg.skew, change.at + cfg.compare_window)
        f["anomalous_before_change"] = before / (before + after) if before else 0.0
        if vg.failing_in(service, change.at - cfg.compare_window, change.at - cfg.skew, change.at):
            # a sustained failure already under way when the change came (a mitigation
            # during the incident, say) was not caused by it
            f["anomalous_before_change"] = 1.0
            f["change_explains"] = 0.0
    else:
        f["no_service"] = 1.0
    # a change is judged by what followed it, not by how loud its component is beside others
    f["relative_magnitude"] = 1.0
    gap = vg.onset - change.at
    if gap < -cfg.skew:
        f["change_after_onset"] = 1.0
        f["change_to_onset"] = 0.0
    else:
        f["change_to_onset"] = exp_decay(gap, cfg.tau_onset)
    sym_first = [
        sig.at for s in vg.symptoms if (sig := vg.first_strong(s, change.at - cfg.skew)) is not None
    ]
    if sym_first:
        f["change_to_symptom"] = exp_decay(min(sym_first) - change.at, cfg.tau_symptom)
    else:
        f["change_to_symptom"] = f["change_to_onset"]
    f["rollback"] = float(change.rollback)
    f["rollout_share"] = change.rollout_share if change.rollout_share is not None else 1.0
    f["first_deploy"] = (
        0.5 if change.first_deploy_of_version is None else float(change.first_deploy_of_version)
    )
    f["recency"] = 1.0 / (1 + later_changes)
    if kind == "deploy":  # its new pods against its old pods (rcagraph.engine.canary)
        canary, canary_ev = canary_features(vg.view.canary, change, vg.cfg.skew)
        f.update(canary)
        ev.extend(canary_ev)
    where = f" on {service}" if service else ""
    ev.insert(
        0,
        Evidence(
            kind="change",
            service=service,
            at=change.at,
            summary=f"{change.kind} {change.change_id}{where} at {clock_time(change.at)}, "
            f"{_minutes(gap)} before onset" + (f": {change.summary}" if change.summary else ""),
            source=change.source,
            source_ref=change.source_ref,
            weight=f["change_to_onset"],
            event_uid=change.uid,
        ),
    )
    return f, ev, path


def _minutes(delta: timedelta) -> str:
    m = delta.total_seconds() / 60
    return f"{m:.1f} min" if m >= 0 else f"{-m:.1f} min after, not"
