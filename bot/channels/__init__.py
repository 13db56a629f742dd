"""Channels: how messages reach the router and replies reach people (Telegram, the terminal)."""
