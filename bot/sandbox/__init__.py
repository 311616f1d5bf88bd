"""The local Telegram Bot API emulator and its simulated users (see :mod:`bot.sandbox.emulator`).

Names are imported lazily so that ``python -m bot.sandbox.emulator`` runs cleanly.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Emulator": "bot.sandbox.emulator", "Fault": "bot.sandbox.emulator", "RateLimits": "bot.sandbox.limits",
    "create_sim_app": "bot.sandbox.simapi", "ApiError": "bot.sandbox.state", "CallbackQuery": "bot.sandbox.state",
    "Chat": "bot.sandbox.state", "Edit": "bot.sandbox.state", "Entry": "bot.sandbox.state",
    "current_seq": "bot.sandbox.state", "SimGroup": "bot.sandbox.users", "SimUser": "bot.sandbox.users",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bot.sandbox' has no attribute {name!r}")
    return getattr(import_module(module), name)
