"""What an invite may be: the rules an invite's description follows, the same for the CSV
import and the ``/invite`` command, and the CSV format. Plain code: no database, no Telegram."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import LANGUAGES
from bot.services.people import MAX_DELEGATION_CODE
from bot.services.storable import storable
from bot.store.models import DelegationKind, Role

MAX_INVITE_USES = 10_000
MAX_INVITE_DAYS = 3650


class InviteProblem(StrEnum):
    ROLE = "role"
    KIND = "kind"
    USES = "uses"
    DAYS = "days"
    LANGUAGE = "language"
    DELEGATION_TOO_LONG = "delegation_too_long"
    NO_DELEGATION = "no_delegation"


class InviteError(ValueError):
    """One thing wrong with an invite's description; :meth:`describe` says it in one line."""

    def __init__(self, problem: InviteProblem, value: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.value = value

    def describe(self) -> str:
        """In English, for the command line (the chat translates :attr:`problem` itself)."""
        value = self.value
        return {
            InviteProblem.ROLE: f"role: '{value}' is not a role",
            InviteProblem.KIND: f"kind: '{value}' is not country or organisation",
            InviteProblem.USES: f"uses: '{value}' is not a number from 1 to {MAX_INVITE_USES}",
            InviteProblem.DAYS: f"days: '{value}' is not a number from 1 to {MAX_INVITE_DAYS}",
            InviteProblem.LANGUAGE: f"language: '{value}' is not one of {', '.join(LANGUAGES)}",
            InviteProblem.DELEGATION_TOO_LONG: f"delegation: longer than {MAX_DELEGATION_CODE} characters",
            InviteProblem.NO_DELEGATION: "delegation: a delegate's invite needs a delegation",
        }[self.problem]


@dataclass
class InviteSpec:
    role: Role
    delegation: str | None
    delegation_name: str | None
    kind: DelegationKind | None
    uses: int
    days: int | None
    language: str | None
    label: str | None


def invite_spec(
    *,
    role: str = "",
    delegation: str = "",
    uses: str = "",
    days: str = "",
    kind: str = "",
    language: str = "",
    delegation_name: str = "",
    label: str = "",
) -> InviteSpec:
    """An invite's description from its text fields (empty: the default), checked in one
    place for the CSV import and ``/invite``; raises :class:`InviteError` at the first problem.
    Control characters are dropped first (:func:`bot.services.storable.storable`)."""
    role, delegation, uses, days = storable(role), storable(delegation), storable(uses), storable(days)
    kind, language = storable(kind), storable(language)
    delegation_name, label = storable(delegation_name), storable(label)
    try:
        role_value = Role(role or Role.DELEGATE)
    except ValueError:
        raise InviteError(InviteProblem.ROLE, role) from None
    try:
        kind_value = DelegationKind(kind) if kind else None
    except ValueError:
        raise InviteError(InviteProblem.KIND, kind) from None
    uses = uses or "1"
    if not _number_within(uses, MAX_INVITE_USES):
        raise InviteError(InviteProblem.USES, uses)
    if days and not _number_within(days, MAX_INVITE_DAYS):
        raise InviteError(InviteProblem.DAYS, days)
    if language and language not in LANGUAGES:
        raise InviteError(InviteProblem.LANGUAGE, language)
    if len(delegation) > MAX_DELEGATION_CODE:
        raise InviteError(InviteProblem.DELEGATION_TOO_LONG, delegation)
    if role_value == Role.DELEGATE and not delegation:
        raise InviteError(InviteProblem.NO_DELEGATION)
    return InviteSpec(
        role=role_value,
        delegation=delegation or None,
        delegation_name=delegation_name or None,
        kind=kind_value,
        uses=int(uses),
        days=int(days) if days else None,
        language=language or None,
        label=label or None,
    )


def _number_within(text: str, most: int) -> bool:
    """A plain whole number from 1 to ``most`` (no sign, no spaces, ASCII digits only)."""
    return text.isascii() and text.isdigit() and 1 <= int(text) <= most


# -- the CSV import ----------------------------------------------------------------------------
@dataclass
class ImportRow:
    line: int
    spec: InviteSpec | None
    error: str | None = None
    token: str | None = None


CSV_COLUMNS = ("delegation", "delegation_name", "kind", "role", "uses", "days", "language", "label")


def parse_invite_csv(text: str) -> list[ImportRow]:
    """Columns (header required, order free): ``delegation`` (code), ``delegation_name``,
    ``kind`` (country|organisation), ``role`` (delegate|organiser|officer|supervisor), ``uses``,
    ``days``, ``language``, ``label``. Each row is checked by :func:`invite_spec`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    unknown = [c for c in (reader.fieldnames or []) if c and c.strip() not in CSV_COLUMNS]
    if not reader.fieldnames or unknown:
        what = f"unknown column(session): {', '.join(unknown)}" if unknown else "no header row"
        return [ImportRow(line=1, spec=None, error=f"{what} (expected: {', '.join(CSV_COLUMNS)})")]
    rows = []
    for record in reader:
        fields = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        try:
            spec = invite_spec(**{column: fields.get(column, "") for column in CSV_COLUMNS})
        except InviteError as exc:
            rows.append(ImportRow(reader.line_num, None, exc.describe()))
        else:
            rows.append(ImportRow(reader.line_num, spec))
    return rows
