"""Hand-built incident views for the engine's unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rcagraph.engine.view import (
    ChangeEvent,
    ComponentInfo,
    Edge,
    IncidentInfo,
    IncidentView,
    SignalEvent,
    Symptom,
)

ONSET = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return ONSET + timedelta(minutes=minutes)


def sig(
    service: str,
    minutes: float,
    kind: str = "metric_anomaly",
    mag: float = 8.0,
    lasts: float | None = 30.0,
) -> SignalEvent:
    """A failure signal at ``minutes`` from the onset; by default a sustained one whose episode
    lasts ``lasts`` minutes (``None``: a one-point blip)."""
    return SignalEvent(
        uid=f"s|{service}|{kind}|{minutes}",
        kind=kind,  # type: ignore[arg-type]
        service=service,
        at=t(minutes),
        summary=f"{kind} on {service}",
        magnitude=mag,
        end_at=t(minutes + lasts) if lasts is not None else None,
        source="metrics/x.csv",
        source_ref="line 1",
    )


def chg(cid: str, kind: str, services: tuple[str, ...], minutes: float) -> ChangeEvent:
    return ChangeEvent(
        uid=f"c|{cid}",
        change_id=cid,
        kind=kind,
        at=t(minutes),
        services=services,
        source="deployments.jsonl",
        source_ref="line 3",
    )


def shop_view(
    *,
    incident: str = "INC-1",
    changes: list[ChangeEvent] | None = None,
    signals: list[SignalEvent] | None = None,
    system: str = "shop",
) -> IncidentView:
    """frontend → checkout → {cart, payment}; cart → redis; batch (no edge to frontend)."""
    comps = ["frontend", "checkout", "cart", "payment", "redis", "batch"]
    edges = [
        Edge("frontend", "checkout", "CALLS", 10.0),
        Edge("checkout", "cart", "CALLS", 5.0),
        Edge("checkout", "payment", "CALLS", 5.0),
        Edge("cart", "redis", "DEPENDS_ON"),
    ]
    return IncidentView(
        scope=f"bundle:{incident}",
        incident=IncidentInfo(
            id=incident,
            title="checkout slow",
            severity="SEV2",
            system=system,
            started_at=ONSET,
            detected_at=t(3),
            symptoms=(Symptom("frontend", "latency"),),
        ),
        window_start=t(-120),
        window_end=t(30),
        components={c: ComponentInfo(c, "service", uid=f"comp|{c}") for c in comps},
        edges=edges,
        changes=changes if changes is not None else [],
        signals=signals if signals is not None else [],
    )


def bad_deploy_view(incident: str = "INC-1", *, loud_batch: bool = True) -> IncidentView:
    """A bad deploy on cart: cart anomalous 2 min later, then checkout, then frontend; a benign
    config change on payment, a benign flag on frontend just before onset, and a loud batch job
    off every path."""
    signals = [
        sig("cart", -8, mag=9),
        sig("checkout", -5),
        sig("frontend", -2),
        sig("frontend", 0, "alert"),
        sig("checkout", 1, "alert"),
    ]
    if loud_batch:
        signals += [sig("batch", -9 + i, "log_burst", mag=40) for i in range(8)]
    return shop_view(
        incident=incident,
        changes=[
            chg("dep-cart", "deploy", ("cart",), -10),
            chg("cfg-pay", "config", ("payment",), -40),
            chg("flag-fe", "flag", ("frontend",), -1),
            chg("dep-batch", "deploy", ("batch",), -11),
        ],
        signals=signals,
    )


def service_fault_view(incident: str = "INC-2") -> IncidentView:
    """redis fails with no change: redis first, then cart, checkout, frontend; a benign deploy
    on checkout 20 min earlier."""
    return shop_view(
        incident=incident,
        changes=[chg("dep-checkout", "deploy", ("checkout",), -20)],
        signals=[sig("redis", -7), sig("cart", -6), sig("checkout", -4), sig("frontend", -2)],
    )
