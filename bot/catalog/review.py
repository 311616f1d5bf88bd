"""The reviser's pass of ``content check --strict``: glossary terms and typography.

It reads every text of a valid pack, in every language, and every translation in the
bot's gettext catalogs (``locales/<lang>/LC_MESSAGES/bot.po``, the words the bot puts
around the pack's texts) for the pack's languages, and reports as warnings, each as
``file:line: field: what is wrong``:

* a rendering of a glossary term that the glossary says to avoid, or (for terms marked
  ``enforce``) a translation that does not use the term its source text has
  (:mod:`bot.catalog.glossary`; only when the pack has a ``glossary.yaml``);
* typographical faults, such as a plain space before a French ":" (:mod:`bot.catalog.typography`).

FAQ sample questions are checked for typography (the first is shown as the entry's
heading) but not against the glossary: they imitate what delegates type, other words
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from bot.catalog import typography
from bot.catalog.checks import Reporter, Source, label, texts
from bot.catalog.glossary import GLOSSARY_FILE, Glossary, read_glossary
from bot.catalog.models import ContentPack
from bot.catalog.problems import Problem
from bot.catalog.yamlsource import YamlSyntaxError, parse

CATALOG_DOMAIN = "bot"


@dataclass(frozen=True, slots=True)
class Passage:
    """One text in one language, and where it is."""

    file: str
    line: int
    field: str
    lang: str
    text: str
    #: the same text in the source language (None for sample questions and the source itself)
    source: str | None
    glossary: bool = True


def read_pack_glossary(
    directory: Path, languages: list[str] | None, report: Reporter
) -> Glossary | None:
    """The pack's ``glossary.yaml``, validated (None when there is none or it is unusable)."""
    file = directory / GLOSSARY_FILE
    if not file.is_file():
        return None
    src = _source(file, report)
    if src is None:
        return None
    return read_glossary(src, languages, report)


def review(
    directory: Path,
    pack: ContentPack,
    glossary: Glossary | None,
    catalogs: Path | None,
) -> list[Problem]:
    """Every glossary and typography warning for ``pack`` (read from ``directory``)."""
    report = Reporter()
    passages = list(pack_passages(directory, pack, report))
    if catalogs is not None:
        wanted = set(typography.checked_languages())
        if glossary is not None:
            wanted |= set(pack.languages)
        langs = [lang for lang in pack.languages if lang in wanted]
        passages += catalog_passages(catalogs, langs, pack.default_language, report)
    source_lang = pack.default_language
    for p in passages:
        if glossary is not None and p.glossary:
            for finding in glossary.findings(p.text, p.lang, p.source, source_lang):
                report.problems.append(
                    Problem(p.file, p.line, p.field, finding.message(source_lang), "warning")
                )
        for fault in typography.faults(p.text, p.lang):
            report.problems.append(Problem(p.file, p.line, p.field, fault.message(), "warning"))
    return report.problems


# ---- the pack ------------------------------------------------------------------------

_FILES = {"event": "event.yaml", "venues": "venues.yaml", "sessions": "programme.yaml",
          "categories": "faq.yaml", "faq": "faq.yaml"}


def pack_passages(directory: Path, pack: ContentPack, report: Reporter) -> Iterator[Passage]:
    """Every text of a *valid* pack (its items sit at the same indexes as in the files)."""
    sources: dict[str, Source | None] = {}

    def source(name: str) -> Source | None:
        if name not in sources:
            sources[name] = _source(directory / name, report)
        return sources[name]

    groups: list[tuple[str, tuple[Any, ...], list[Any]]] = [
        ("event.yaml", (), [pack.event]),
        ("venues.yaml", ("venues",), pack.venues),
        ("programme.yaml", ("sessions",), pack.sessions),
        ("faq.yaml", ("categories",), pack.faq_categories),
        ("faq.yaml", ("faq",), pack.faq),
    ]
    default = pack.default_language
    for name, prefix, items in groups:
        src = source(name) if items else None
        if src is None or src.parsed is None:
            continue
        for index, item in enumerate(items):
            base = prefix if not prefix else (*prefix, index)
            for path, text in texts(item, base):
                original = text.root.get(default)
                for lang, value in text.root.items():
                    yield _passage(src, (*path, lang), lang, value,
                                   None if lang == default else original)
            questions = getattr(item, "questions", None)
            if isinstance(questions, dict):
                for lang, items_ in questions.items():
                    for q_index, question in enumerate(items_):
                        path = (*base, "questions", lang, q_index)
                        yield _passage(src, path, lang, question, None, glossary=False)


def _passage(
    src: Source, path: tuple[Any, ...], lang: str, text: str, source: str | None,
    glossary: bool = True,
) -> Passage:
    assert src.parsed is not None
    line = src.parsed.lines.line_of(path)
    return Passage(src.display, line, label(src.data, path), lang, text, source, glossary)


def _source(file: Path, report: Reporter) -> Source | None:
    display = str(file)
    try:
        raw = file.read_bytes()
        text = raw.decode("utf-8").removeprefix("\ufeff")
        parsed = parse(text)
    except OSError as exc:
        report.whole(display, f"cannot read the file: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        report.whole(display, f"not UTF-8 text (byte {exc.start})")
        return None
    except YamlSyntaxError as exc:
        report.whole(display, f"invalid YAML: {exc.message}", field="(syntax)", line=exc.line)
        return None
    src = Source(file.name, display, raw, file.stat().st_mtime, parsed)
    for issue in parsed.issues:
        report.at(src, issue.path, issue.message, line=issue.line)
    return src


# ---- the catalogs ----------------------------------------------------------------------


def catalog_passages(
    catalogs: Path, languages: list[str], source_lang: str, report: Reporter
) -> Iterator[Passage]:
    """Every translation in the catalogs of ``languages`` (msgids are the source texts)."""
    for lang in languages:
        po_path = catalogs / lang / "LC_MESSAGES" / f"{CATALOG_DOMAIN}.po"
        if not po_path.is_file():
            continue
        display = str(po_path)
        try:
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=lang, domain=CATALOG_DOMAIN)
            lines = po_path.read_text(encoding="utf-8").splitlines()
        except (OSError, ValueError) as exc:  # babel raises ValueError subclasses on bad syntax
            report.whole(display, f"cannot read the catalog: {exc}")
            continue
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
            strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
            source = "\n".join(ids) if lang != source_lang else None
            plural = isinstance(message.id, (list, tuple))
            for index, text in enumerate(strings):
                if not text:
                    continue
                key = f"msgstr[{index}]" if plural else "msgstr"
                line = _msgstr_line(lines, message.lineno or 1, key)
                yield Passage(display, line, key, lang, text, source)


def _msgstr_line(lines: list[str], msgid_line: int, key: str) -> int:
    """The 1-based line where ``key`` (``msgstr`` or ``msgstr[1]``) starts after a msgid."""
    for number in range(max(msgid_line, 1), len(lines) + 1):
        if lines[number - 1].startswith(key + " "):
            return number
    return msgid_line
