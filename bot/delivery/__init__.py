"""Getting messages to Telegram within its limits.

``outbox.py`` is what features use (enqueue in their own transaction, cancel, progress counts,
renderers), ``message.py`` what a message is; ``sender.py`` is the one sender, with
``claims.py`` its side of the outbox table and ``botapi.py`` the Bot API calls; ``ratelimit.py``
paces replies and outbox messages alike.
"""
