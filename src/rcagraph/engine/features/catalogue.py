"""The feature catalogue: every feature of a root-cause candidate, with its meaning.

Every feature is a number in [0, 1] (or a small signed prior); the order of :data:`FEATURES` is
the order of the learned ranker's columns (:data:`FEATURE_NAMES`).
"""

from __future__ import annotations

#: every feature, in the order the learned ranker uses, with its meaning
FEATURES: dict[str, str] = {
    "is_change": "1 for a change candidate, 0 for a component without a change",
    "kind_deploy": "candidate kind is deploy",
    "kind_flag": "candidate kind is flag",
    "kind_config": "candidate kind is config",
    "kind_infra": "candidate kind is infra",
    "kind_service": "candidate kind is service (no change)",
    "on_path": "the candidate is on a dependency path out of a symptom (or is one)",
    "no_service": "a change that reaches no known component (path unknown)",
    "is_symptom": "the candidate's component is a symptom service",
    "path_len": "1 / (1 + hops) from the nearest symptom; 0 off path",
    "path_weight": "product of edge shares (call weights) along the best symptom path",
    "coverage": "share of symptom services that depend on the candidate (blast radius)",
    "anomalous": "the component shows a metric anomaly or log signal (after the change)",
    "anomaly_after_change": "exp(-Δ/10 min), Δ from the change to the component's first "
    "anomaly or log signal after it; 0 if none",
    "new_template_after_change": "a new log template of a failure level (not INFO or lower) "
    "appears on the component within 30 min "
    "after the change",
    "change_to_onset": "exp(-Δ/30 min), Δ from the change to the incident's onset "
    "(changes after onset beyond the clock-skew tolerance get 0)",
    "change_to_symptom": "exp(-Δ/20 min), Δ from the change to the first symptom signal after it",
    "anomalous_before_change": "share of the component's anomalies within 15 min around the "
    "change that came before it; 1 when a sustained failure was already under way at the change",
    "change_after_onset": "the change came after the onset (beyond the skew tolerance)",
    "root_onset": "no anomalous dependency of the component began earlier (onset order; "
    "the onset-order features are 0 for a component off every symptom path)",
    "leads_symptom": "how far the component's onset precedes the symptoms' first failure "
    "signal, in propagation delays (capped at 1; 0.5 for a symptom itself)",
    "callers_follow": "share of the component's anomalous callers whose onset is not earlier",
    "reaches_symptom": "the component's anomaly travels up to a symptom: each caller on the "
    "way turns anomalous within one propagation delay after the previous (else the share of "
    "hops that did)",
    "change_explains": "anomaly_after_change × root_onset × reaches_symptom: the change is "
    "followed by an anomaly on its component that no dependency explains and that travels to "
    "the symptom (for a component without signals: its first anomalous caller, discounted)",
    "root_explains": "for a component candidate: root_onset × deepest × reaches_symptom, "
    "unless a change explains its onset",
    "unobserved_proxy": "the changed component has no anomaly or log signal; its best direct "
    "caller stood in (discounted) for anomalous, anomaly_after_change, root_onset, deepest, "
    "reaches_symptom, sustained, dominance and signal_match",
    "alert_after_change": "an alert fired on the changed component within 30 min after the "
    "change while it has no anomaly or log signal (its own monitoring saw the failure)",
    "sustained": "the component's failure persists: a log burst, an error-level new template, "
    "a metric anomaly spanning several points, or metric anomalies at two distinct times "
    "within 5 min of its onset (0: a one-point blip)",
    "victim": "the component is anomalous but a dependency of it turned anomalous earlier",
    "unfelt_by_callers": "the component is seen only through its callers (not instrumented) "
    "and none of them turned anomalous within one propagation delay of the failures they "
    "measured on it: those calls are not on their critical path",
    "mirrors_peer": "the component is seen only through its callers (not instrumented) and an "
    "instrumented component they also call failed in the same signal class within the "
    "clock-skew tolerance (a load balancer or gateway in front of it shows its failure)",
    "deepest": "no dependency of the component shows anomalies (the deepest anomalous one)",
    "explained_by_change": "for a component candidate: a change on it (or on a direct "
    "dependency without signals) precedes its onset, graded exp(-Δ/10 min) beyond the skew "
    "tolerance like anomaly_after_change (0 when none within 30 min)",
    "magnitude": "tanh(max anomaly magnitude / 10) on the component",
    "relative_magnitude": "log(1 + the component's largest anomaly magnitude) over log(1 + the "
    "largest of any on-path component in the incident): which of several components that "
    "explain the symptom equally deviates most (does not saturate, unlike magnitude)",
    "loudness": "log-scaled number of signals on the component (capped at 1)",
    "dominance": "how far the component's health anomalies under way at the onset went beyond "
    "normal operation, against the most deviating component of the view: the mean of its "
    "largest fold change over the view's largest and log(1 + its largest z beyond the normal "
    "envelope) over the view's largest; an error-log burst is sized by its rate's fold change "
    "over the baseline rate (rcagraph.engine.strength)",
    "saturation_dominance": "the component's own resources (saturation class: CPU, memory, "
    "threads, queues) went beyond normal operation at the onset: the size of its saturation "
    "anomalies over the view's largest (a saturated resource does not propagate as "
    "saturation, so it points at where it happens)",
    "signal_match": "the component fails (beyond its normal envelope) in the symptom's signal "
    "class: errors/availability for an error symptom, latency or saturation for a latency one",
    "alert_only": "the component has alerts but no anomaly or log signal",
    "rollback": "the change is a rollback",
    "rollout_share": "share of traffic/instances the change reached (1 when unknown)",
    "first_deploy": "first deploy of this version (0.5 when unknown)",
    "recency": "1 / (1 + number of later changes before onset)",
    "prior_service_kind": "learned: (hits+1)/(seen+2) - 0.5 for this service and kind",
    "prior_kind": "learned: (hits+1)/(seen+2) - 0.5 for this kind",
    "canary_degraded": "for a deploy: 1 - exp(-z/5), z the largest robust effect among the "
    "canary verdicts that say its new pods degraded (latency, errors or saturation up, "
    "availability down) against its old pods in the same minutes; 0 when none does",
    "canary_same": "for a deploy: canary verdicts on health metrics judged its new pods, and "
    "none found them worse than its old pods in the same minutes",
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)
