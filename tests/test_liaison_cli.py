"""``python -m bot officers ...`` and ``python -m bot report requests`` as an operator runs them."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import sys
from pathlib import Path

from bot.clock import SimulatedClock
from bot.services.liaison_render import Sent
from tests.support import ROOT
from tests.test_liaison_service import make_services, officer, person


async def cli(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_assign_import_list_and_report(database_url: str, tmp_path: Path):
    s = await make_services(database_url)
    try:
        await person(s, 1, "Alice", delegation="FRA")
        anna = await officer(s, 501, "Anna", duty=True)
        await person(s, 7, "Dave")  # a delegate: never assigned
    finally:
        await s.db.dispose()
    code, _, err = await cli(database_url, "officers", "assign", "@user501", "--delegation", "FRA",
                             "--language", "fr", "--category", "transport")
    assert code == 0, err
    code, _, err = await cli(database_url, "officers", "assign", "@user7", "--language", "fr")
    assert code == 1 and "not a liaison officer" in err and "nothing was changed" in err
    code, _, err = await cli(database_url, "officers", "assign", "501", "--language", "xx")
    assert code == 1 and "unknown language 'xx'" in err
    sheet = tmp_path / "officers.csv"
    sheet.write_text("officer,delegations,languages,categories\n501,FRA;MAR,fr;en,\n@nobody,,fr,\n", encoding="utf-8")
    code, _, err = await cli(database_url, "officers", "import", str(sheet))
    assert code == 1 and "@nobody" in err  # all or nothing
    sheet.write_text("officer,delegations,languages,categories\n501,FRA;MAR,fr;en,\n", encoding="utf-8")
    code, _, err = await cli(database_url, "officers", "import", str(sheet))
    assert code == 0, err
    code, out, _ = await cli(database_url, "officers", "list")
    assert code == 0 and "Anna" in out and "on duty" in out and "delegations=FRA,MAR" in out and "languages=en,fr" in out

    s = await make_services(database_url)
    try:
        alice = await person(s, 1, "Alice", delegation="FRA")
        r = await s.liaison.open(alice, "transport", Sent("text", "car"))
        assert r.offered_to_id == anna.id
        assert isinstance(s.clock, SimulatedClock)
        s.clock.advance(dt.timedelta(seconds=90))
        await s.liaison.claim(anna, r.id)
        s.clock.advance(dt.timedelta(seconds=600))
        await s.liaison.resolve(anna, r.id)
        await s.liaison.open(alice, "medical", Sent("text", "help"))
    finally:
        await s.db.dispose()
    code, out, err = await cli(database_url, "report", "requests")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    transport = next(r for r in rows if r["category"] == "transport")
    assert transport["officer"] == "Anna (501)" and transport["claim_median_s"] == "90"
    assert transport["resolve_median_s"] == "690" and transport["resolved"] == "1"
    medical = next(r for r in rows if r["category"] == "medical")
    assert medical["officer"] == "(unclaimed)" and medical["claimed"] == "0"
