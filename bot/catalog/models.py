"""Content pack schema (format v1, documented in docs/content-format.md).

Every human-readable field is a :class:`Text`: in YAML either a plain string (in the
event's default language) or a mapping ``{lang: string}``. The default language is passed
to validation through the pydantic *context* (``{"default_lang": "en"}``) so a plain string
becomes ``{"en": "..."}`` here and nothing downstream needs to know the difference.

Times without an offset are local to the event's time zone: the loader passes
``{"tz": ZoneInfo(...)}`` in the context and every datetime leaves validation aware.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    ValidationInfo,
    field_validator,
    model_validator,
)

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ru", "ar", "zh", "vi")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SESSION_KINDS = (
    "ceremony",
    "plenary",
    "high-level",
    "roundtable",
    "side-event",
    "social",
    "exhibition",
    "logistics",
)
SessionKind = Literal[
    "ceremony",
    "plenary",
    "high-level",
    "roundtable",
    "side-event",
    "social",
    "exhibition",
    "logistics",
]
Audience = Literal["all", "heads-of-delegation", "ministers", "invitation", "media"]
Id = str  # validated with ID_PATTERN where declared


def _default_lang(info: ValidationInfo | None) -> str:
    ctx = (info.context if info is not None else None) or {}
    return ctx.get("default_lang", "en")


class Text(RootModel[dict[str, str]]):
    """A translatable text: ``{lang: string}``; a plain string means the default language."""

    @model_validator(mode="before")
    @classmethod
    def _plain_string(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, str):
            return {_default_lang(info): data}
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return {_default_lang(info): str(data)}
        return data

    @field_validator("root")
    @classmethod
    def _non_empty(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("text is empty")
        for lang, text in value.items():
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"text for '{lang}' is empty")
        return value

    def get(self, lang: str, default_lang: str | None = None) -> str:
        """The text in ``lang``, else in ``default_lang``, else any text at all."""
        if lang in self.root:
            return self.root[lang]
        if default_lang and default_lang in self.root:
            return self.root[default_lang]
        return next(iter(self.root.values()))

    def has(self, lang: str) -> bool:
        return lang in self.root

    def languages(self) -> set[str]:
        return set(self.root)

    def all_texts(self) -> list[str]:
        return list(self.root.values())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Geo(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Contact(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    role: Text | None = None
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    hours: Text | None = None
    location: Text | None = None
    tags: list[str] = Field(default_factory=list)


class LiaisonCategory(_Strict):
    """What a delegate may ask a liaison officer for. ``urgent`` (medical, security) sends a
    request to every officer on duty and every supervisor at once, at the highest priority."""

    id: str = Field(pattern=ID_PATTERN)
    name: Text
    urgent: bool = False


class QuickReply(_Strict):
    """A ready answer an officer sends with one tap, in the delegate's language. ``categories``
    (optional) limits it to requests of these liaison categories."""

    id: str = Field(pattern=ID_PATTERN)
    text: Text
    categories: list[str] = Field(default_factory=list)


def _check_language(lang: str) -> str:
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unknown language '{lang}' (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    return lang


def _check_lead(lead: int) -> int:
    if lead <= 0 or lead > 7 * 24 * 60:
        raise ValueError(f"reminder lead {lead} must be between 1 and 10080 minutes")
    return lead


#: validated one by one so that an error points at the offending list item
Language = Annotated[str, AfterValidator(_check_language)]
ReminderLead = Annotated[int, AfterValidator(_check_lead)]


def _localise(value: Any, info: ValidationInfo) -> Any:
    """Attach the event zone to naive datetimes (the contract: local unless offset given)."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        tz = ((info.context or {}) if info is not None else {}).get("tz")
        if tz is not None:
            return value.replace(tzinfo=tz)
    return value


class Event(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    short_name: Text | None = None
    description: Text | None = None
    timezone: str
    languages: list[Language] = Field(min_length=1)
    start: dt.date
    end: dt.date
    website: str | None = None
    updated: dt.datetime | None = None
    reminder_lead_minutes: list[ReminderLead] = Field(default_factory=lambda: [30])
    contacts: list[Contact] = Field(default_factory=list)
    liaison_categories: list[LiaisonCategory] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone '{value}'") from exc
        return value

    _aware = field_validator("updated")(_localise)

    @field_validator("languages")
    @classmethod
    def _langs(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Event:
        if self.end < self.start:
            raise ValueError("end: the event ends before it starts")
        return self

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Room(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    floor: str | None = None
    capacity: int | None = Field(default=None, ge=0)
    directions: Text | None = None
    accessibility: Text | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("floor", mode="before")
    @classmethod
    def _floor_str(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class Venue(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    address: Text | None = None
    geo: Geo | None = None
    directions: Text | None = None
    accessibility: Text | None = None
    rooms: list[Room] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Speaker(_Strict):
    """One entry of a session's ``speakers``: a person ("António Guterres, Secretary-General of
    the United Nations") or, with ``group: true``, a body of people ("Heads of State and
    Government"), which is never counted as one person. In YAML a speaker is a text (a plain
    string or ``{lang: string}``), a text with ``group: true`` beside its languages, or
    ``{name: text, group: true}``: format v1's plain strings keep working."""

    name: Text
    group: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, (str, int, float)) and not isinstance(data, bool):
            return {"name": data}
        if isinstance(data, dict) and "name" not in data:
            names = {key: value for key, value in data.items() if key != "group"}
            for key, value in names.items():
                if not isinstance(value, str):
                    raise ValueError(
                        f"'{key}' is neither a language nor 'group': a speaker is a text, "
                        "optionally with group: true"
                    )
            return {"name": names, **({"group": data["group"]} if "group" in data else {})}
        return data


FollowerRole = Literal["delegate", "organiser", "officer", "supervisor"]


class AutoFollow(_Strict):
    """Who follows a session without having to ask (each may still turn it off): everyone
    (``auto_follow: all``), or the members of some delegations (by code) and the people of
    some roles (``auto_follow: {delegations: [VNM], roles: [organiser]}``)."""

    everyone: bool = False
    delegations: list[str] = Field(default_factory=list)
    roles: list[FollowerRole] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data == "all" or data is True:
            return {"everyone": True}
        if isinstance(data, str):
            raise ValueError(f"'{data}': write auto_follow: all, or {{delegations: [...], roles: [...]}}")
        return data

    @model_validator(mode="after")
    def _someone(self) -> AutoFollow:
        if self.everyone and (self.delegations or self.roles):
            raise ValueError("auto_follow: 'all' already includes every delegation and role")
        if not (self.everyone or self.delegations or self.roles):
            raise ValueError("auto_follow: name delegations or roles, or write auto_follow: all")
        for code in self.delegations:
            if not code or len(code) > 64 or not code.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"auto_follow: '{code}' is not a delegation code (letters, digits, - or _)")
        return self


class Session(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    kind: SessionKind
    start: dt.datetime
    end: dt.datetime
    room: str
    speakers: list[Speaker] = Field(default_factory=list)
    summary: Text | None = None
    audience: list[Audience] = Field(default_factory=lambda: list[Audience](["all"]))
    tags: list[str] = Field(default_factory=list)
    updated: dt.datetime | None = None
    #: who follows it automatically (the opening, the signing); None: only those who choose to
    auto_follow: AutoFollow | None = None

    _aware = field_validator("start", "end", "updated")(_localise)

    @model_validator(mode="after")
    def _order(self) -> Session:
        if self.end <= self.start:
            raise ValueError("end: the session ends before (or when) it starts")
        return self


class FaqCategory(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text


class FaqEntry(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    category: str = Field(pattern=ID_PATTERN)
    questions: dict[str, list[str]]
    answer: Text
    related: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    updated: dt.datetime | None = None

    _aware = field_validator("updated")(_localise)

    @field_validator("questions", mode="before")
    @classmethod
    def _plain_list(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, list):
            return {_default_lang(info): value}
        if isinstance(value, str):
            return {_default_lang(info): [value]}
        if isinstance(value, dict):
            return {k: ([v] if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not value:
            raise ValueError("at least one question is needed")
        for lang, items in value.items():
            if not items or any(not q.strip() for q in items):
                raise ValueError(f"questions for '{lang}' are empty")
        return value


class ContentPack(_Strict):
    """A whole, validated pack. Build it with :func:`bot.catalog.loader.load_pack`."""

    event: Event
    venues: list[Venue] = Field(default_factory=list)
    sessions: list[Session] = Field(default_factory=list)
    faq: list[FaqEntry] = Field(default_factory=list)
    faq_categories: list[FaqCategory] = Field(default_factory=list)
    #: from liaison.yaml (else event.yaml's liaison_categories, else the built-in defaults)
    liaison_categories: list[LiaisonCategory] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    #: a short hash of the files, changes on every content change (callback data carry it)
    version: str = ""
    #: when the pack was last changed (event.updated, else newest file mtime)
    updated: dt.datetime | None = None
    source_dir: str = ""
    _lookup: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)

    # ---- lookups -------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return self.event.tz

    @property
    def languages(self) -> list[str]:
        return self.event.languages

    @property
    def default_language(self) -> str:
        return self.event.default_language

    def session(self, session_id: str) -> Session | None:
        return _index(self, "_sessions", self.sessions).get(session_id)

    def find_sessions(self, text: str, limit: int = 8) -> list[Session]:
        """The sessions an organiser means by ``text``: the one with that id, else those whose
        id or title (in any language) contains it, case, accents and dashes aside ("press
        briefing" finds press-briefing-25 and press-briefing-26), in programme order."""
        exact = self.session(text.strip().lower())
        if exact is not None:
            return [exact]
        wanted = _searchable(text)
        if not wanted:
            return []
        found = [s for s in self.sessions
                 if wanted in _searchable(s.id) or any(wanted in _searchable(v) for v in s.title.root.values())]
        return sorted(found, key=lambda s: (s.start, s.id))[:limit]

    def venue(self, venue_id: str) -> Venue | None:
        return _index(self, "_venues", self.venues).get(venue_id)

    def faq_entry(self, faq_id: str) -> FaqEntry | None:
        return _index(self, "_faq", self.faq).get(faq_id)

    def contact(self, contact_id: str) -> Contact | None:
        return _index(self, "_contacts", self.event.contacts).get(contact_id)

    def room(self, room_id: str) -> Room | None:
        found = self.room_with_venue(room_id)
        return found[0] if found else None

    def room_with_venue(self, room_id: str) -> tuple[Room, Venue] | None:
        for venue in self.venues:
            for room in venue.rooms:
                if room.id == room_id:
                    return room, venue
        return None

    def place(self, place_id: str) -> tuple[Room | None, Venue] | None:
        """A session's ``room`` field names a room or a whole venue."""
        found = self.room_with_venue(place_id)
        if found:
            return found
        venue = self.venue(place_id)
        return (None, venue) if venue else None

    def liaison_category(self, category_id: str) -> LiaisonCategory | None:
        return _index(self, "_liaison", self.liaison_categories).get(category_id)

    def quick_reply(self, reply_id: str) -> QuickReply | None:
        return _index(self, "_quick", self.quick_replies).get(reply_id)

    def quick_replies_for(self, category_id: str) -> list[QuickReply]:
        return [q for q in self.quick_replies if not q.categories or category_id in q.categories]

    def category_name(self, category_id: str) -> Text | None:
        for cat in self.faq_categories:
            if cat.id == category_id:
                return cat.name
        return None

    def sessions_sorted(self) -> list[Session]:
        return sorted(self.sessions, key=lambda s: (s.start, s.end, s.id))

    def event_days(self) -> list[dt.date]:
        days, day = [], self.event.start
        while day <= self.event.end:
            days.append(day)
            day += dt.timedelta(days=1)
        return days


def _index(pack: ContentPack, name: str, items: list[Any]) -> dict[str, Any]:
    cache = pack._lookup.get(name)
    if cache is None:
        cache = pack._lookup[name] = {item.id: item for item in items}
    return cache


ID_RE = re.compile(ID_PATTERN)


def _searchable(text: str) -> str:
    """Lower case, accents and punctuation (dashes, underscores) folded to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")
    return " ".join(re.sub(r"[\W_]+", " ", kept).split())
