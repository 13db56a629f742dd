"""Prometheus metrics (prometheus-client), served on SITEBOT_METRICS_PORT.

Counters and histograms are this process's (Prometheus adds the processes up); the queue gauges (outbox and inbox
depth and age) are read from the database at each scrape, so every process reports the same shared queues.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

UPDATES = Counter("sitebot_updates", "Messages and updates handled, by outcome", ["outcome"])
HANDLER_SECONDS = Histogram(
    "sitebot_handler_seconds",
    "Time to handle one message (understanding and the write transaction)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ROUTES = Counter("sitebot_routes", "Messages by the path that answered: parser, proposal, model, none", ["route"])
TOOL_CALLS = Counter(
    "sitebot_tool_calls",
    "Tool runs by tool and outcome (ok, refused, confirm, error), proposal previews included",
    ["tool", "outcome"],
)
MODEL_CALLS = Counter("sitebot_model_calls", "Model calls by outcome (ok, error)", ["outcome"])
MODEL_TOKENS = Counter("sitebot_model_tokens", "Model tokens reported by the model's answers", ["kind"])
MODEL_SECONDS = Histogram(
    "sitebot_model_seconds", "Latency of one model call", buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)
)
NOTIFICATIONS = Counter(
    "sitebot_notifications", "Outbox messages by kind (reply, alert, digest) and outcome", ["kind", "outcome"]
)


def tool_ran(tool: str, outcome: str) -> None:
    TOOL_CALLS.labels(tool, outcome).inc()


def model_tokens(input_tokens: Any, output_tokens: Any) -> None:
    MODEL_TOKENS.labels("input").inc(int(input_tokens or 0))
    MODEL_TOKENS.labels("output").inc(int(output_tokens or 0))


def model_call(seconds: float, ok: bool) -> None:
    MODEL_CALLS.labels("ok" if ok else "error").inc()
    MODEL_SECONDS.observe(seconds)


def message(outcome: str, route: str, seconds: float) -> None:
    UPDATES.labels(outcome).inc()
    ROUTES.labels(route).inc()
    HANDLER_SECONDS.observe(seconds)


def notification(kind: str, outcome: str, n: int = 1) -> None:
    if n:
        NOTIFICATIONS.labels(kind, outcome).inc(n)


class QueueCollector(Collector):
    """Outbox and inbox depth and the age of their oldest waiting item, read from the database at scrape."""

    def __init__(self) -> None:
        self.sessions: sessionmaker[Session] | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The families, without reading the database (asked once, when the collector is registered)."""
        yield GaugeMetricFamily("sitebot_queue_depth", "Items waiting in a queue", labels=["queue"])
        yield GaugeMetricFamily("sitebot_queue_oldest_seconds", "Age of the oldest waiting item", labels=["queue"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from storage.models import InboxUpdate, Notification

        if self.sessions is None:
            return
        depth = GaugeMetricFamily("sitebot_queue_depth", "Items waiting in a queue", labels=["queue"])
        age = GaugeMetricFamily("sitebot_queue_oldest_seconds", "Age of the oldest waiting item", labels=["queue"])
        now = self.clock()
        try:
            with self.sessions() as session:
                for name, stamp, waiting in (
                    ("outbox", Notification.created_at, Notification.status.in_(("pending", "sending"))),
                    ("inbox", InboxUpdate.received_at, InboxUpdate.status == "pending"),
                ):
                    count, oldest = session.execute(select(func.count(), func.min(stamp)).where(waiting)).one()
                    depth.add_metric([name], float(count or 0))
                    if oldest is not None and oldest.tzinfo is None:
                        oldest = oldest.replace(tzinfo=UTC)
                    age.add_metric([name], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        except Exception:
            log.warning("metrics: could not read the queues from the database", exc_info=True)
            return
        yield depth
        yield age


QUEUES = QueueCollector()
_registered = False
_lock = threading.Lock()


def watch(sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None) -> None:
    """Report these sessions' queues at scrape, and count every tool run (once per process)."""
    global _registered
    from tools.base import OBSERVERS

    with _lock:
        QUEUES.sessions = sessions
        if clock is not None:
            QUEUES.clock = clock
        if not _registered:
            REGISTRY.register(QUEUES)
            OBSERVERS.append(tool_ran)
            _registered = True


def serve(port: int, sessions: sessionmaker[Session], *, addr: str = "0.0.0.0") -> Any:
    """Serve /metrics on the port (a daemon thread); the server, to shut down in tests."""
    from prometheus_client import start_http_server

    watch(sessions)
    server, _thread = start_http_server(port, addr=addr)
    log.info("metrics served on %s:%d", addr, port)
    return server
