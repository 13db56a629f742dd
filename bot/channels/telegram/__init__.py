"""The Telegram channel (python-telegram-bot 22).

- inbox.py: every update is stored before Telegram is told it arrived (InboxQueue), and replayed after a crash;
- process.py: one update handled in one transaction with its writes and its reply (the router's Delivery);
- workers.py: one worker per chat, so a chat's messages are answered in order while chats run side by side;
- outbox.py: replies, digests and alerts sent from the outbox, once, with retries;
- handlers.py and jobs.py: the PTB handlers and the scheduled jobs; bot/app.py wires them.
"""
