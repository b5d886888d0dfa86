"""Telegram alerts: the Bot API client (``telegram``), the message text (``message``), who gets
one (``policy``), sending limits (``ratelimit``), the crash-safe ``outbox``, ``commands`` and their
long-polling ``poller``, and the ``sink`` that wires them into the service."""
