"""Template mining: log bodies masked, then clustered by drain3, one miner per service."""

from __future__ import annotations

import re

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig

_CACHE_LIMIT = 200_000

#: masked before mining (uuids, hex ids, numbers, IPs): drain then sees one token shape
_MASK = re.compile(
    r"\b(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|0[xX][0-9a-fA-F]+|[0-9a-fA-F]{16,}|\d+(?:\.\d+)*)\b"
)


def mask(body: str) -> str:
    return _MASK.sub("<*>", body)


class Miner:
    """drain3 template mining, one in-memory ``TemplateMiner`` per service.

    Identical (masked) bodies of a service reuse the cluster found for them before (a bounded
    cache, cleared when it reaches 200,000 entries): drain would put them in the same cluster.
    """

    def __init__(self) -> None:
        self._miners: dict[str, TemplateMiner] = {}
        self._cache: dict[tuple[str, str], int] = {}

    def _miner(self, service: str) -> TemplateMiner:
        miner = self._miners.get(service)
        if miner is None:
            config = TemplateMinerConfig()
            config.profiling_enabled = False
            miner = TemplateMiner(config=config)
            self._miners[service] = miner
        return miner

    def add(self, service: str, body: str) -> int:
        masked = mask(body)
        key = (service, masked)
        cluster = self._cache.get(key)
        if cluster is None:
            result = self._miner(service).add_log_message(masked)
            cluster = int(result["cluster_id"])
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = cluster
        return cluster

    def template(self, service: str, cluster: int) -> str:
        miner = self._miners.get(service)
        if miner is None:
            return ""
        found = miner.drain.id_to_cluster.get(cluster)
        return str(found.get_template()) if found is not None else ""
