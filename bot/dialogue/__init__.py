"""Dialogue state: what the assistant asked or proposed, and the answers that complete it."""
