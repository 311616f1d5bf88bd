"""``python -m bot`` as a real process against the emulator: for SIGTERM, crashes, restarts
and the log it writes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.emulator import Emulator
from tests.support import DEMO_PACK, ROOT, TOKEN, WEBHOOK_SECRET, free_port

LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> float:
        """Send ``sig`` and wait for the exit; the seconds it took."""
        started = time.monotonic()
        self.proc.send_signal(sig)
        await asyncio.wait_for(self.proc.wait(), timeout)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


async def start_bot(emu: Emulator, database_url: str, log_path: Path, *, command: str = "run",
                    **env: str) -> BotProcess:
    """Start the bot and wait until it polls (``run``) or has registered its webhook (``serve``)."""
    environment = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": emu.base_url,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(DEMO_PACK),
        "LOG_LEVEL": "INFO",
        "SEMANTIC_ANSWERS": "false",  # the update path is under test here, not the model
        **env,
    }
    if command == "serve":
        port = free_port()
        environment.update(PORT=str(port), HOST="127.0.0.1", WEBHOOK_URL=f"http://127.0.0.1:{port}",
                           WEBHOOK_SECRET=WEBHOOK_SECRET)
        emu.webhook = None  # the run before this one left its webhook: wait for the new one
        emu.delivery.wake()
    polls = emu.calls.get("getupdates", 0)
    out = log_path.open("ab")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, cwd=ROOT, env=environment, stdout=out, stderr=asyncio.subprocess.STDOUT,
    )
    out.close()
    bot = BotProcess(proc, log_path)
    for _ in range(1200):
        if proc.returncode is not None:
            raise AssertionError(f"the bot exited with {proc.returncode}:\n{bot.log}")
        if (command == "run" and emu.calls.get("getupdates", 0) > polls) or (command == "serve" and emu.webhook):
            return bot
        await asyncio.sleep(0.05)
    bot.kill()
    raise AssertionError(f"the bot did not start:\n{bot.log}")


def records(log: str) -> list[tuple[str, str]]:
    """(level, text) of each log record; continuation lines (tracebacks) join their record."""
    out: list[tuple[str, str]] = []
    for line in log.splitlines():
        match = LOG_RECORD.match(line)
        if match:
            out.append((match.group(1), line))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
        else:
            out.append(("OUTPUT", line))
    return out
