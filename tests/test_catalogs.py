"""Every string the code shows must be translated in all seven catalogs, with the same
placeholders; the compiled catalogs must actually be used."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, translator

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _source_messages() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for folder in ("bot", "handlers"):
        for filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            key = message if isinstance(message, str) else message[0]
            found[key] = (message,) if isinstance(message, str) else tuple(message)
            del filename
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


SOURCE = _source_messages()


def test_the_code_has_strings_to_translate() -> None:
    assert len(SOURCE) > 30


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_string_with_the_same_placeholders(lang: str) -> None:
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / "bot.po"
    assert po_path.exists(), f"missing catalog {po_path}"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    problems = []
    for msgid, forms in SOURCE.items():
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if lang == "en" and not any(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            continue  # the source language: an empty translation means "as written"
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(translations):
            problems.append(f"untranslated: {msgid!r}")
            continue
        expected = set().union(*(_fields(f) for f in forms))
        for text in translations:
            try:
                got = _fields(text)
            except ValueError as exc:
                problems.append(f"broken placeholder in {msgid!r}: {exc}")
                continue
            # a plural form may leave out {n} (e.g. Arabic "one" form), never add unknown fields
            if not got <= expected or (len(translations) == 1 and got != expected):
                problems.append(f"placeholders {sorted(got)} != {sorted(expected)} in {msgid!r}")
    assert not problems, f"{lang}: " + "\n".join(problems)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_compiled_catalog_translates(lang: str) -> None:
    t = translator(lang)
    assert t._("Choose your language:") != "Choose your language:"
