"""Alerts: the morning digest and immediate alerts, decided by the tools and queued in the outbox."""
