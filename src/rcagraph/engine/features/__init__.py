"""Explainable evidence features of root-cause candidates.

Candidates of an incident (:func:`build_candidates`):

* every change in the view's window up to shortly after onset — kind ``deploy``, ``flag``,
  ``config`` or ``infra`` (:func:`~rcagraph.engine.view.cause_kind`); a change touching several
  components is placed on the one its evidence supports best; a flag change that reaches no
  component is still a candidate (with ``service`` None);
* every component with signals (anomalies, log bursts, new templates, alerts) in the window —
  kind ``service`` with ``change_id`` None.

Which signals a view holds (a decision, see :mod:`rcagraph.engine.extract`): every signal of
the scope in the window, not only those of the symptoms' neighbourhood. Components off every
dependency path stay candidates — the issue asks for every component whose anomalies began in
the window, and the graph-free BARO baseline must see the same data as the engine — but they
cannot win on loudness: their features are cheap (no path, no onset-order walk reaches a
symptom) and the default scorer multiplies their score by ``off_path_factor``. Scoring them costs
a few bisections each, so restricting extraction would buy little here.

The central evidence is *propagation*: the root cause's component turns anomalous first (no
direct dependency turned bad within one propagation delay before it), and its anomaly travels
up through callers on the symptom's dependency paths, hop by hop, to the symptom at the
incident's onset (``reaches_symptom``). A change explains the incident when such an anomaly
follows it on its component (``change_explains``); a component without a change when it is that
root and no change explains its onset (``root_explains``). Times are compared with a clock-skew
tolerance; a component's onset for this incident is its first anomaly from ``horizon`` before
the onset on, so old, unrelated blips in the 2 h lookback do not make it "anomalous before".

Only *failure* signals mark an onset (:func:`is_failure_signal`): a new log template at an
informational level (a deploy's own "starting version …" line) is kept in the view but is no
anomaly. A component whose failure is a single one-point metric anomaly (a noise blip) is not
``sustained``. Components without failure signals are looked through, one propagation delay per
hop; a change on such a component borrows its best caller's onset features (discounted), and
an alert on the component itself after the change supports it.

Every feature is a number in [0, 1] (or a small signed prior) with a plain meaning, listed in
:data:`FEATURES`. The dependency graph is a :mod:`networkx` digraph with edges from the
dependent to what it needs, so walking *out* of a symptom walks towards its causes.

The parts, one module each: the catalogue (:mod:`.catalogue`), which signals mark a failure
(:mod:`.classify`), the time constants (:mod:`.config`), a candidate's record
(:mod:`.candidate`), the view's dependency and signal index (:mod:`.index`) and its onset and
propagation timing (:mod:`.view_graph`), the features of a component (:mod:`.component`) and of
a change (:mod:`.change`), candidate enumeration (:mod:`.build`), priors (:mod:`.priors`) and
the labelled candidates the rankers learn from (:mod:`.labelled`).
"""

from rcagraph.engine.features.build import build_candidates, default_placement, feature_matrix
from rcagraph.engine.features.candidate import CandidateFeatures
from rcagraph.engine.features.catalogue import FEATURE_NAMES, FEATURES
from rcagraph.engine.features.change import change_features
from rcagraph.engine.features.classify import (
    BENIGN_DIRECTION,
    INFORMATIONAL_LEVELS,
    is_failure_signal,
    is_traffic_signal,
    signal_class,
)
from rcagraph.engine.features.component import component_features
from rcagraph.engine.features.config import FeatureConfig, Placement
from rcagraph.engine.features.index import ViewIndex
from rcagraph.engine.features.labelled import is_hit, labelled_candidates
from rcagraph.engine.features.priors import Priors, learn_priors
from rcagraph.engine.features.view_graph import ViewGraph

__all__ = [
    "BENIGN_DIRECTION",
    "FEATURES",
    "FEATURE_NAMES",
    "INFORMATIONAL_LEVELS",
    "CandidateFeatures",
    "FeatureConfig",
    "Placement",
    "Priors",
    "ViewGraph",
    "ViewIndex",
    "build_candidates",
    "change_features",
    "component_features",
    "default_placement",
    "feature_matrix",
    "is_failure_signal",
    "is_hit",
    "is_traffic_signal",
    "labelled_candidates",
    "learn_priors",
    "signal_class",
]
