"""Real microservice topologies, written out as data.

Each topology lists its components (name, kind, owning team) and its call edges (``caller``
depends on ``callee``), following the public reference applications:

* Online Boutique — GoogleCloudPlatform/microservices-demo (11 services + redis-cart).
* Sock Shop — microservices-demo/microservices-demo (front-end, edge-router, 7 services, 4
  databases, RabbitMQ).
* Train Ticket — FudanSELab/train-ticket: 39 of its services with the RestTemplate calls of
  their ``*ServiceImpl`` classes (food → delivery through RabbitMQ), RabbitMQ and three of its
  MongoDB instances.
* DeathStarBench social network — delimitrou/DeathStarBench ``socialNetwork`` (13 Thrift
  services, their Redis, Memcached and MongoDB stores).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    kind: str  # service, database, cache, queue, gateway
    team: str
    language: str = ""


@dataclass(slots=True)
class Topology:
    system: str
    short: str
    entry: str
    nodes: list[Node]
    edges: list[tuple[str, str, str]]  # caller, callee, protocol
    # services whose metrics are not scraped in this system (back-office): no metrics ever
    unscraped: tuple[str, ...] = ()
    window_minutes: int = 180
    _callers: dict[str, list[str]] = field(default_factory=dict)
    _callees: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {n.name for n in self.nodes}
        for caller, callee, _ in self.edges:
            if caller not in names or callee not in names:
                raise ValueError(f"{self.system}: edge {caller}->{callee} names an unknown node")
            self._callers.setdefault(callee, []).append(caller)
            self._callees.setdefault(caller, []).append(callee)

    @property
    def names(self) -> list[str]:
        return [n.name for n in self.nodes]

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def callers(self, name: str) -> list[str]:
        return list(self._callers.get(name, []))

    def callees(self, name: str) -> list[str]:
        return list(self._callees.get(name, []))

    def reachable_from(self, start: str) -> list[str]:
        """Every node ``start`` depends on, transitively (BFS order, ``start`` excluded)."""
        seen = {start}
        order: list[str] = []
        queue = deque([start])
        while queue:
            cur = queue.popleft()
            for nxt in self.callees(cur):
                if nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    queue.append(nxt)
        return order

    def path(self, src: str, dst: str) -> list[str] | None:
        """A shortest dependency path from ``src`` down to ``dst`` (both included)."""
        prev: dict[str, str | None] = {src: None}
        queue = deque([src])
        while queue:
            cur = queue.popleft()
            if cur == dst:
                out = [cur]
                while prev[out[-1]] is not None:
                    p = prev[out[-1]]
                    assert p is not None
                    out.append(p)
                return out[::-1]
            for nxt in self.callees(cur):
                if nxt not in prev:
                    prev[nxt] = cur
                    queue.append(nxt)
        return None


def _n(name: str, kind: str, team: str, language: str = "") -> Node:
    return Node(name, kind, team, language)


ONLINE_BOUTIQUE = Topology(
    system="online-boutique",
    short="ob",
    entry="frontend",
    nodes=[
        _n("frontend", "gateway", "team-web", "go"),
        _n("cartservice", "service", "team-cart", "csharp"),
        _n("productcatalogservice", "service", "team-catalog", "go"),
        _n("currencyservice", "service", "team-payments", "nodejs"),
        _n("paymentservice", "service", "team-payments", "nodejs"),
        _n("shippingservice", "service", "team-fulfilment", "go"),
        _n("emailservice", "service", "team-fulfilment", "python"),
        _n("checkoutservice", "service", "team-checkout", "go"),
        _n("recommendationservice", "service", "team-catalog", "python"),
        _n("adservice", "service", "team-ads", "java"),
        _n("loadgenerator", "service", "team-sre", "python"),
        _n("redis-cart", "cache", "team-cart"),
    ],
    edges=[
        ("loadgenerator", "frontend", "http"),
        ("frontend", "adservice", "grpc"),
        ("frontend", "cartservice", "grpc"),
        ("frontend", "checkoutservice", "grpc"),
        ("frontend", "currencyservice", "grpc"),
        ("frontend", "productcatalogservice", "grpc"),
        ("frontend", "recommendationservice", "grpc"),
        ("frontend", "shippingservice", "grpc"),
        ("checkoutservice", "cartservice", "grpc"),
        ("checkoutservice", "currencyservice", "grpc"),
        ("checkoutservice", "emailservice", "grpc"),
        ("checkoutservice", "paymentservice", "grpc"),
        ("checkoutservice", "productcatalogservice", "grpc"),
        ("checkoutservice", "shippingservice", "grpc"),
        ("recommendationservice", "productcatalogservice", "grpc"),
        ("cartservice", "redis-cart", "redis"),
    ],
)

SOCK_SHOP = Topology(
    system="sock-shop",
    short="ss",
    entry="front-end",
    nodes=[
        _n("edge-router", "gateway", "team-platform"),
        _n("front-end", "service", "team-web", "nodejs"),
        _n("catalogue", "service", "team-catalogue", "go"),
        _n("catalogue-db", "database", "team-catalogue"),
        _n("carts", "service", "team-carts", "java"),
        _n("carts-db", "database", "team-carts"),
        _n("orders", "service", "team-orders", "java"),
        _n("orders-db", "database", "team-orders"),
        _n("user", "service", "team-accounts", "go"),
        _n("user-db", "database", "team-accounts"),
        _n("payment", "service", "team-payments", "go"),
        _n("shipping", "service", "team-shipping", "java"),
        _n("queue-master", "service", "team-shipping", "java"),
        _n("rabbitmq", "queue", "team-platform"),
    ],
    edges=[
        ("edge-router", "front-end", "http"),
        ("front-end", "catalogue", "http"),
        ("front-end", "carts", "http"),
        ("front-end", "orders", "http"),
        ("front-end", "user", "http"),
        ("catalogue", "catalogue-db", "mysql"),
        ("carts", "carts-db", "mongodb"),
        ("orders", "carts", "http"),
        ("orders", "user", "http"),
        ("orders", "payment", "http"),
        ("orders", "shipping", "http"),
        ("orders", "orders-db", "mongodb"),
        ("user", "user-db", "mongodb"),
        ("shipping", "rabbitmq", "amqp"),
        ("queue-master", "rabbitmq", "amqp"),
    ],
)

_TT = "ts-"


def _tt(name: str, team: str, kind: str = "service") -> Node:
    return Node(f"{_TT}{name}", kind, team, "java" if kind == "service" else "")


_TT_EDGES: dict[str, list[str]] = {
    "ui-dashboard": [
        "auth-service",
        "user-service",
        "verification-code-service",
        "travel-service",
        "travel2-service",
        "travel-plan-service",
        "preserve-service",
        "preserve-other-service",
        "order-service",
        "order-other-service",
        "cancel-service",
        "rebook-service",
        "inside-payment-service",
        "execute-service",
        "contacts-service",
        "food-service",
        "consign-service",
        "station-service",
        "assurance-service",
        "admin-basic-info-service",
        "admin-order-service",
        "admin-route-service",
        "admin-travel-service",
        "admin-user-service",
    ],
    "auth-service": ["verification-code-service"],
    "user-service": ["auth-service"],
    "basic-service": ["station-service", "train-service", "route-service", "price-service"],
    "ticketinfo-service": ["basic-service"],
    "order-service": ["station-service", "order-mongo"],
    "order-other-service": ["station-service", "order-other-mongo"],
    "seat-service": [
        "order-service",
        "order-other-service",
        "config-service",
        "travel-service",
        "travel2-service",
    ],
    "travel-service": [
        "ticketinfo-service",
        "seat-service",
        "route-service",
        "train-service",
        "travel-mongo",
    ],
    "travel2-service": ["ticketinfo-service", "seat-service", "route-service", "train-service"],
    "security-service": ["order-service", "order-other-service"],
    "food-service": ["food-map-service", "travel-service", "station-service", "rabbitmq"],
    # food orders are handed to the delivery service through RabbitMQ (asynchronous)
    "delivery-service": ["rabbitmq"],
    "consign-service": ["consign-price-service"],
    "preserve-service": [
        "security-service",
        "contacts-service",
        "travel-service",
        "ticketinfo-service",
        "station-service",
        "seat-service",
        "order-service",
        "assurance-service",
        "food-service",
        "consign-service",
        "user-service",
        "notification-service",
    ],
    "preserve-other-service": [
        "security-service",
        "contacts-service",
        "travel2-service",
        "ticketinfo-service",
        "station-service",
        "seat-service",
        "order-other-service",
        "assurance-service",
        "food-service",
        "consign-service",
        "user-service",
        "notification-service",
    ],
    "inside-payment-service": ["order-service", "order-other-service", "payment-service"],
    "cancel-service": [
        "order-service",
        "order-other-service",
        "inside-payment-service",
        "user-service",
        "notification-service",
    ],
    "execute-service": ["order-service", "order-other-service"],
    "rebook-service": [
        "order-service",
        "order-other-service",
        "travel-service",
        "travel2-service",
        "station-service",
        "seat-service",
        "inside-payment-service",
        "train-service",
        "route-service",
    ],
    "route-plan-service": ["route-service", "travel-service", "travel2-service", "station-service"],
    "travel-plan-service": [
        "seat-service",
        "route-plan-service",
        "travel-service",
        "travel2-service",
        "ticketinfo-service",
        "train-service",
        "station-service",
    ],
    "admin-basic-info-service": [
        "contacts-service",
        "station-service",
        "train-service",
        "config-service",
        "price-service",
    ],
    "admin-order-service": ["order-service", "order-other-service"],
    "admin-route-service": ["route-service"],
    "admin-travel-service": ["travel-service", "travel2-service"],
    "admin-user-service": ["user-service"],
}

_TT_TEAMS: dict[str, str] = {
    "ui-dashboard": "team-web",
    "auth-service": "team-identity",
    "user-service": "team-identity",
    "verification-code-service": "team-identity",
    "contacts-service": "team-identity",
    "station-service": "team-network",
    "train-service": "team-network",
    "route-service": "team-network",
    "price-service": "team-pricing",
    "config-service": "team-network",
    "basic-service": "team-network",
    "ticketinfo-service": "team-search",
    "order-service": "team-orders",
    "order-other-service": "team-orders",
    "seat-service": "team-search",
    "travel-service": "team-search",
    "travel2-service": "team-search",
    "security-service": "team-orders",
    "assurance-service": "team-extras",
    "food-map-service": "team-extras",
    "food-service": "team-extras",
    "consign-price-service": "team-extras",
    "consign-service": "team-extras",
    "notification-service": "team-platform",
    "preserve-service": "team-booking",
    "preserve-other-service": "team-booking",
    "payment-service": "team-payments",
    "inside-payment-service": "team-payments",
    "cancel-service": "team-booking",
    "execute-service": "team-booking",
    "rebook-service": "team-booking",
    "route-plan-service": "team-search",
    "travel-plan-service": "team-search",
    "admin-basic-info-service": "team-backoffice",
    "admin-order-service": "team-backoffice",
    "admin-route-service": "team-backoffice",
    "admin-travel-service": "team-backoffice",
    "admin-user-service": "team-backoffice",
    "delivery-service": "team-extras",
    "rabbitmq": "team-platform",
    "order-mongo": "team-orders",
    "order-other-mongo": "team-orders",
    "travel-mongo": "team-search",
}

TRAIN_TICKET = Topology(
    system="train-ticket",
    short="tt",
    entry="ts-ui-dashboard",
    nodes=[
        _tt(
            name,
            team,
            "queue"
            if name == "rabbitmq"
            else "database"
            if name.endswith("mongo")
            else "gateway"
            if name == "ui-dashboard"
            else "service",
        )
        for name, team in _TT_TEAMS.items()
    ],
    edges=[
        (
            f"{_TT}{src}",
            f"{_TT}{dst}",
            "mongodb" if dst.endswith("mongo") else "amqp" if dst == "rabbitmq" else "http",
        )
        for src, dsts in _TT_EDGES.items()
        for dst in dsts
    ],
    unscraped=(
        "ts-admin-basic-info-service",
        "ts-admin-order-service",
        "ts-admin-route-service",
        "ts-admin-travel-service",
        "ts-admin-user-service",
    ),
    window_minutes=150,
)

SOCIAL_NETWORK = Topology(
    system="social-network",
    short="sn",
    entry="nginx-web-server",
    nodes=[
        _n("nginx-web-server", "gateway", "team-edge", "lua"),
        _n("media-frontend", "service", "team-media", "lua"),
        _n("compose-post-service", "service", "team-posts", "cpp"),
        _n("text-service", "service", "team-posts", "cpp"),
        _n("media-service", "service", "team-media", "cpp"),
        _n("unique-id-service", "service", "team-posts", "cpp"),
        _n("url-shorten-service", "service", "team-posts", "cpp"),
        _n("user-mention-service", "service", "team-posts", "cpp"),
        _n("user-service", "service", "team-users", "cpp"),
        _n("social-graph-service", "service", "team-users", "cpp"),
        _n("post-storage-service", "service", "team-storage", "cpp"),
        _n("home-timeline-service", "service", "team-timeline", "cpp"),
        _n("user-timeline-service", "service", "team-timeline", "cpp"),
        _n("home-timeline-redis", "cache", "team-timeline"),
        _n("user-timeline-redis", "cache", "team-timeline"),
        _n("user-timeline-mongodb", "database", "team-timeline"),
        _n("post-storage-memcached", "cache", "team-storage"),
        _n("post-storage-mongodb", "database", "team-storage"),
        _n("social-graph-redis", "cache", "team-users"),
        _n("social-graph-mongodb", "database", "team-users"),
        _n("user-memcached", "cache", "team-users"),
        _n("user-mongodb", "database", "team-users"),
        _n("url-shorten-mongodb", "database", "team-posts"),
        _n("media-mongodb", "database", "team-media"),
    ],
    edges=[
        ("nginx-web-server", "compose-post-service", "thrift"),
        ("nginx-web-server", "home-timeline-service", "thrift"),
        ("nginx-web-server", "user-timeline-service", "thrift"),
        ("nginx-web-server", "user-service", "thrift"),
        ("nginx-web-server", "social-graph-service", "thrift"),
        ("media-frontend", "media-mongodb", "mongodb"),
        ("compose-post-service", "text-service", "thrift"),
        ("compose-post-service", "media-service", "thrift"),
        ("compose-post-service", "unique-id-service", "thrift"),
        ("compose-post-service", "user-service", "thrift"),
        ("compose-post-service", "post-storage-service", "thrift"),
        ("compose-post-service", "user-timeline-service", "thrift"),
        ("compose-post-service", "home-timeline-service", "thrift"),
        ("text-service", "url-shorten-service", "thrift"),
        ("text-service", "user-mention-service", "thrift"),
        ("url-shorten-service", "url-shorten-mongodb", "mongodb"),
        ("user-mention-service", "user-memcached", "memcached"),
        ("user-mention-service", "user-mongodb", "mongodb"),
        ("home-timeline-service", "home-timeline-redis", "redis"),
        ("home-timeline-service", "post-storage-service", "thrift"),
        ("home-timeline-service", "social-graph-service", "thrift"),
        ("user-timeline-service", "user-timeline-redis", "redis"),
        ("user-timeline-service", "user-timeline-mongodb", "mongodb"),
        ("user-timeline-service", "post-storage-service", "thrift"),
        ("post-storage-service", "post-storage-memcached", "memcached"),
        ("post-storage-service", "post-storage-mongodb", "mongodb"),
        ("social-graph-service", "social-graph-redis", "redis"),
        ("social-graph-service", "social-graph-mongodb", "mongodb"),
        ("social-graph-service", "user-service", "thrift"),
        ("user-service", "user-memcached", "memcached"),
        ("user-service", "user-mongodb", "mongodb"),
    ],
)

TOPOLOGIES: dict[str, Topology] = {
    t.system: t for t in (ONLINE_BOUTIQUE, SOCK_SHOP, TRAIN_TICKET, SOCIAL_NETWORK)
}
