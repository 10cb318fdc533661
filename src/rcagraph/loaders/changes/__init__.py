"""Changes: CDEvents service events, LaunchDarkly and Unleash flag changes, rcagraph's own.

Every change becomes a ``:Change:Event`` node with a sublabel by kind (``:Deployment``,
``:FlagChange``, ``:ConfigChange`` for config/secret/schema, ``:InfraChange`` for
infra/scale), ``CHANGED`` to the components it touches and, for flags, ``TOGGLED`` to the
``:Flag`` (and ``USES_FLAG`` from every service its ``service:NAME`` tags name).

* ``deployments.jsonl`` — CDEvents v0.4 ``dev.cdevents.service.{deployed,upgraded,rolledback,
  removed}.*``: service = ``subject.id`` without ``service/``, version from the package URL in
  ``subject.content.artifactId``, ``rollback`` for rolledback events, ``customData`` kept
  (``rollout_share``/``rolloutShare`` in 0..1 or ``rolloutPercent`` in 0..100, and
  ``previousVersion`` are read from it when present).
* ``flags.jsonl`` — a LaunchDarkly audit-log entry (``_id``, ``date`` in epoch ms,
  ``accesses[].resource`` ``proj/P:env/E:flag/KEY``, ``currentVersion.tags``; before/after
  from ``previousVersion``/``currentVersion``, the environment's block when it has one; rollout
  share from percentage-rollout weights, see :func:`ld_rollout_share`) or an
  Unleash event (``id``, ``type``, ``createdAt``, ``featureName``, ``tags[]``; before/after from
  ``preData``/``data``, rollout share from a flexibleRollout strategy's ``rollout`` parameter).
* ``changes.jsonl`` — rcagraph's own record (``id``, ``kind``, ``service``, ``at``, ``actor``,
  ``source``, ``summary``, ``attributes``); ``attributes`` may carry ``version``, ``artifact``,
  ``flag_key``, ``before``, ``after``, ``rollout_share``, ``environment``.

``first_deploy_of_version`` is computed in the graph after each file, over the whole scope: a
deploy is the first of its version when no earlier deploy of the same service carried it;
rollbacks are never first.
"""

from rcagraph.loaders.changes.cdevents import parse_cdevent, purl_version
from rcagraph.loaders.changes.change_records import parse_change_record
from rcagraph.loaders.changes.launchdarkly import (
    LD_WEIGHT_TOTAL,
    ld_rollout_share,
    parse_launchdarkly,
)
from rcagraph.loaders.changes.load import (
    ChangesLoader,
    DeploymentsLoader,
    FlagsLoader,
    parse_flag_change,
    parse_lines,
    write_changes,
)
from rcagraph.loaders.changes.row import ChangeKind, ChangeRow, change_uid
from rcagraph.loaders.changes.unleash import parse_unleash

__all__ = [
    "LD_WEIGHT_TOTAL",
    "ChangeKind",
    "ChangeRow",
    "ChangesLoader",
    "DeploymentsLoader",
    "FlagsLoader",
    "change_uid",
    "ld_rollout_share",
    "parse_cdevent",
    "parse_change_record",
    "parse_flag_change",
    "parse_launchdarkly",
    "parse_lines",
    "parse_unleash",
    "purl_version",
    "write_changes",
]
