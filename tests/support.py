"""What the tests import: the bot on the demo pack of this test run, and the harness's helpers.
(``conftest.py`` holds the fixtures; it is pytest's, and never imported by a test.)"""

from __future__ import annotations

import os
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from bot.sandbox import harness
from bot.sandbox.harness import FAST, TOKEN, WEBHOOK_SECRET, Harness, free_port

__all__ = ["DEMO_PACK", "FAST", "ROOT", "TOKEN", "WEBHOOK_SECRET", "Harness", "free_port", "running_bot"]

ROOT = Path(__file__).resolve().parent.parent
#: the pack the tests run on (TEST_CONTENT_DIR to try another one)
DEMO_PACK = Path(os.environ.get("TEST_CONTENT_DIR", ROOT / "content" / "hanoi-2025"))


def running_bot(database_url: str, **kw: Any) -> AbstractAsyncContextManager[Harness]:
    """:func:`bot.sandbox.harness.running_bot` on :data:`DEMO_PACK` unless told otherwise."""
    kw.setdefault("content_dir", DEMO_PACK)
    return harness.running_bot(database_url, **kw)
