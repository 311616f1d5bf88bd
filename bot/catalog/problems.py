"""What the content pack validator reports: problems, the check result, the load error.

Every problem prints as the command-line contract wants it:
``file:line: field: what is wrong``. A warning keeps the same shape and starts its
message with ``warning:`` so one can grep for either kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.catalog.models import ContentPack

Severity = Literal["error", "warning"]

#: the field of a problem with a file over one of the limits of :mod:`bot.catalog.limits`
LIMITS_FIELD = "(limits)"
#: the order files are reported in (and hashed in); anything else sorts after them
FILE_ORDER = ("event.yaml", "venues.yaml", "programme.yaml", "faq.yaml", "liaison.yaml")
#: optional files of a pack that the bot does not load, only ``content check`` reads
#: (``glossary.yaml``: see :mod:`bot.catalog.glossary`); they sort after FILE_ORDER
CHECK_FILES = ("glossary.yaml",)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a pack.

    ``file`` is the pack directory as given joined with the file name; ``line`` is
    1-based (1 when the problem concerns a whole file); ``field`` is a dotted path in the
    file's document such as ``sessions[opening-ceremony].end`` or ``faq[12].answer.fr``
    (the item's id in brackets when it has a usable one, else its index), or ``(file)`` /
    ``(syntax)`` for problems with the file itself.
    """

    file: str
    line: int
    field: str
    message: str
    severity: Severity = "error"

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def as_error(self) -> Problem:
        return replace(self, severity="error")

    def __str__(self) -> str:
        prefix = "warning: " if self.is_warning else ""
        text = f"{self.file}:{self.line}: {self.field}: {prefix}{self.message}"
        return text.translate(_LINE_BREAKS)  # one problem, one line, whatever a key holds


#: what ``str.splitlines`` breaks at, shown escaped instead
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def sort_key(problem: Problem) -> tuple[int, str, int, str, str]:
    name = problem.file.replace("\\", "/").rsplit("/", 1)[-1]
    order = (*FILE_ORDER, *CHECK_FILES)
    rank = order.index(name) if name in order else len(order)
    return (rank, problem.file, problem.line, problem.field, problem.message)


@dataclass(slots=True)
class CheckResult:
    """The outcome of :func:`bot.catalog.loader.check_pack`.

    ``pack`` is set only when there are no errors (warnings allowed).
    """

    pack: ContentPack | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> list[Problem]:
        """Errors first, then warnings, each in file and line order."""
        return [*self.errors, *self.warnings]

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class PackError(Exception):
    """A pack that cannot be loaded; ``problems`` holds every error (and warning) found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if not p.is_warning]
        head = f"content pack has {len(errors)} error(s)"
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_warning]
