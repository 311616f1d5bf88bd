"""A bigger pack for the latency target: the demo pack's entries replicated and varied
until the pack has ``size`` entries (FAQ answers, sessions, venues, rooms, contacts)."""

from __future__ import annotations

import datetime as dt
import itertools

from bot.catalog.models import ContentPack, FaqEntry, Session, Text

_VARIANTS = ["(annex {n})", "— variant {n}", "[{n}]", "#{n}"]


def _vary(text: Text, n: int) -> Text:
    suffix = _VARIANTS[n % len(_VARIANTS)].format(n=n)
    return Text({lang: f"{value} {suffix}" for lang, value in text.root.items()})


def entry_count(pack: ContentPack) -> int:
    rooms = sum(len(v.rooms) for v in pack.venues)
    return len(pack.faq) + len(pack.sessions) + len(pack.venues) + rooms + len(pack.event.contacts)


def synthetic_pack(pack: ContentPack, size: int = 500) -> ContentPack:
    faq: list[FaqEntry] = list(pack.faq)
    sessions: list[Session] = list(pack.sessions)
    base = entry_count(pack)
    need = max(0, size - base)
    sources = itertools.cycle([("faq", f) for f in pack.faq] + [("session", s) for s in pack.sessions])
    for n in range(need):
        kind, item = next(sources)
        if kind == "faq":
            questions = {
                lang: [f"{q} {_VARIANTS[n % 4].format(n=n)}" for q in reversed(qs)]
                for lang, qs in item.questions.items()
            }
            faq.append(item.model_copy(update={"id": f"{item.id}-x{n}", "questions": questions,
                                               "answer": _vary(item.answer, n)}))
        else:
            shift = dt.timedelta(minutes=15 * (n % 8))
            sessions.append(item.model_copy(update={"id": f"{item.id}-x{n}", "title": _vary(item.title, n),
                                                    "start": item.start + shift, "end": item.end + shift}))
    big = pack.model_copy(update={"faq": faq, "sessions": sessions})
    big._lookup = {}  # the copy must not share the original's lookup caches
    return big
