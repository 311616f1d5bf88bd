"""``python -m bot report requests``: time to claim and time to resolve, per category and officer.

Times come from the requests' events (the first ``claimed``, the first ``resolved``), so a request
re-routed and claimed again still counts from its first claim. The officer of a row is the one
who resolved the request, else the one holding it, else ``(unclaimed)``.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.store.db import Database
from bot.store.models import LiaisonEvent, LiaisonRequest, Person, RequestAction

COLUMNS = ("category", "officer", "requests", "claimed", "resolved", "cancelled", "claim_median_s", "claim_p90_s",
           "resolve_median_s", "resolve_p90_s", "rating_mean")


@dataclass
class _Row:
    requests: int = 0
    cancelled: int = 0
    claim: list[float] = field(default_factory=list)
    resolve: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)


def _p(values: list[float], q: float) -> str:
    if not values:
        return ""
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.0f}"


async def requests_csv(db: Database) -> str:
    async with db.session() as s:
        requests = list(await s.scalars(select(LiaisonRequest).order_by(LiaisonRequest.id)))
        events = list(await s.scalars(select(LiaisonEvent).where(
            LiaisonEvent.action.in_((RequestAction.CLAIMED, RequestAction.RESOLVED))).order_by(LiaisonEvent.id)))
        names = {p.id: f"{p.first_name} ({p.telegram_id})" for p in (await s.scalars(select(Person))).unique()}
    first: dict[tuple[int, RequestAction], LiaisonEvent] = {}
    for event in events:
        first.setdefault((event.request_id, event.action), event)
    rows: dict[tuple[str, str], _Row] = defaultdict(_Row)
    for request in requests:
        claimed = first.get((request.id, RequestAction.CLAIMED))
        resolved = first.get((request.id, RequestAction.RESOLVED))
        officer_id = resolved.holder_id if resolved is not None else request.holder_id
        officer = names.get(officer_id, "") if officer_id is not None else "(unclaimed)"
        row = rows[(request.category, officer)]
        row.requests += 1
        row.cancelled += request.status == "cancelled"
        if claimed is not None:
            row.claim.append((claimed.at - request.created_at).total_seconds())
        if resolved is not None:
            row.resolve.append((resolved.at - request.created_at).total_seconds())
        if request.rating is not None:
            row.ratings.append(request.rating)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for (category, officer), row in sorted(rows.items()):
        writer.writerow([
            category, officer, row.requests, len(row.claim), len(row.resolve), row.cancelled,
            f"{statistics.median(row.claim):.0f}" if row.claim else "", _p(row.claim, 0.9),
            f"{statistics.median(row.resolve):.0f}" if row.resolve else "", _p(row.resolve, 0.9),
            f"{statistics.mean(row.ratings):.1f}" if row.ratings else "",
        ])
    return out.getvalue()
