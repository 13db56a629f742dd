"""Keys that serialise a check and the write that depends on it, until the transaction commits.

A tool that reads a figure and writes on the strength of it (what a worker is owed before a settlement, the
days a worker already has on a date, a budget line before a cost) locks a key naming that figure first. On
PostgreSQL each key is a transaction advisory lock (pg_advisory_xact_lock of a 64-bit hash of the key), so two
processes checking the same figure run one after the other and the second sees the first's write; on SQLite a
write transaction already holds the database's write lock (storage.db.begin_write), so keys cost nothing.
Deadlocks between two messages locking keys in different orders are detected by PostgreSQL and retried by
tools.base.run_calls.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.db import in_write


def key_hash(key: str) -> int:
    """A signed 64-bit number for a key (collisions only serialise two unrelated checks)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def lock(session: Session, *keys: str) -> None:
    """Hold each key until the write transaction ends; only inside storage.db.begin_write."""
    if not in_write(session):
        raise RuntimeError("storage.locks.lock outside a write transaction")
    if session.get_bind().dialect.name != "postgresql":
        return
    ordered = [key_hash(key) for key in sorted(set(keys))]
    if len(ordered) == 1:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ordered[0]})
    elif ordered:
        # Many keys (the morning digest locks every project's alerts) in one round trip, still taken in key order.
        session.execute(_MANY, {"keys": ordered})


_MANY = text(
    "SELECT pg_advisory_xact_lock(t.k) FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS t(k, n) ORDER BY t.n"
)
