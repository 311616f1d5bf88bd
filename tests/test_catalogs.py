"""Every string the code shows must be translated in all seven catalogs, with the same
placeholders; the compiled catalogs must actually be used.

Two readings of the code: pybabel's extraction (what ``make locales`` puts in the catalogs,
with its ``# TRANSLATORS:`` comments), and the code's syntax tree, which also sees a call that
pybabel misses (inside an f-string, or a message built with ``+``): every message the code
passes to ``t._``, ``N_``, ``ngettext``, ``pgettext`` or ``npgettext`` must be in the catalogs.
"""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, translator

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("bot", "handlers")
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
#: gettext functions and where their message arguments are: (context, singular, plural)
CALLS = {"_": (None, 0, None), "gettext": (None, 0, None), "N_": (None, 0, None),
         "ngettext": (None, 0, 1), "pgettext": (0, 1, None), "npgettext": (0, 1, 2)}

Key = tuple[str | None, str]  # (context, msgid)


@dataclass(frozen=True)
class Extracted:
    forms: tuple[str, ...]
    comments: tuple[str, ...]
    where: str


def _source_messages() -> dict[Key, Extracted]:
    found: dict[Key, Extracted] = {}
    for folder in FOLDERS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            forms = (message,) if isinstance(message, str) else tuple(message)
            key = (context, forms[0])
            previous = found.get(key)
            all_comments = tuple(comments) + (previous.comments if previous else ())
            found[key] = Extracted(forms, all_comments, f"{folder}/{filename}:{lineno}")
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


SOURCE = _source_messages()


def _catalog(lang: str) -> Catalog:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "bot.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_the_code_has_strings_to_translate() -> None:
    assert len(SOURCE) > 30


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_string_with_the_same_placeholders(lang: str) -> None:
    catalog = _catalog(lang)
    problems = []
    for (context, msgid), extracted in SOURCE.items():
        forms = extracted.forms
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problems.append(f"missing: {msgid!r} (context {context!r})")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if lang == "en" and not any(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            continue  # the source language: an empty translation means "as written"
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(translations):
            problems.append(f"untranslated: {msgid!r} (context {context!r})")
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
    assert t.pgettext("heading", "Next") != "Next"


# ---- what the syntax tree sees ---------------------------------------------------------


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _code_messages() -> tuple[dict[Key, str], list[str]]:
    """Every literal message passed to a gettext function anywhere in the code (f-strings
    included), and every call whose message is built (``"a" + b``, an f-string) and so cannot
    be extracted."""
    messages: dict[Key, str] = {}
    unextractable: list[str] = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _called_name(node) not in CALLS:
                    continue
                name = _called_name(node)
                assert name is not None
                context_at, singular_at, _plural_at = CALLS[name]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                args = node.args
                if len(args) <= singular_at:
                    continue
                message = args[singular_at]
                if isinstance(message, (ast.BinOp, ast.JoinedStr)):
                    unextractable.append(f"{where}: {name}() of a built string")
                    continue
                if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
                    continue  # a message marked elsewhere with N_ (a dict of messages)
                context = None
                if context_at is not None:
                    ctx = args[context_at]
                    if not (isinstance(ctx, ast.Constant) and isinstance(ctx.value, str)):
                        unextractable.append(f"{where}: {name}() with a computed context")
                        continue
                    context = ctx.value
                messages[(context, message.value)] = where
    return messages, unextractable


CODE, UNEXTRACTABLE = _code_messages()


def test_the_syntax_tree_finds_the_messages() -> None:
    assert len(CODE) >= len(SOURCE) - 5
    assert (None, "Help desk and contacts") in CODE


def test_no_message_is_built_where_pybabel_cannot_read_it() -> None:
    assert UNEXTRACTABLE == []


def test_every_message_the_code_passes_is_extracted_and_in_every_catalog() -> None:
    """A message pybabel does not extract (a call inside an f-string, say) never reaches the
    catalogs, and the person reads English: the syntax tree sees it."""
    missed = [f"{where}: {key[1]!r}" for key, where in CODE.items() if key not in SOURCE]
    assert missed == [], "not extracted by pybabel:\n" + "\n".join(missed)
    for lang in LANGUAGES:
        catalog = _catalog(lang)
        absent = [f"{where}: {msgid!r}" for (context, msgid), where in CODE.items() if catalog.get(msgid, context=context) is None]
        assert absent == [], f"{lang}: not in the catalog:\n" + "\n".join(absent)


def test_the_syntax_tree_check_fails_on_a_call_inside_an_f_string(tmp_path: Path) -> None:
    """The check above can fail: pybabel misses a message inside an f-string, the tree does not."""
    source = "def card(t):\n    return f\"<b>{t._('Only inside an f-string')}</b>\"\n"
    (tmp_path / "card.py").write_text(source, encoding="utf-8")
    extracted = [m for _, _, m, _, _ in extract_from_dir(tmp_path, method_map=[("**.py", "python")], keywords=KEYWORDS)]
    tree = ast.parse(source)
    seen = [n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and _called_name(n) == "_"
            and isinstance(n.args[0], ast.Constant)]
    assert seen == ["Only inside an f-string"]
    assert "Only inside an f-string" not in extracted


def test_every_message_with_a_placeholder_tells_translators_what_it_holds() -> None:
    """A ``# TRANSLATORS:`` comment right above the call (it reaches the catalogs as ``#.``)."""
    silent = [
        f"{extracted.where}: {msgid!r}"
        for (_context, msgid), extracted in SOURCE.items()
        if any(_fields(form) for form in extracted.forms) and not extracted.comments
    ]
    assert silent == [], "placeholders without a TRANSLATORS comment:\n" + "\n".join(silent)


def test_the_catalogs_carry_the_comments_and_contexts() -> None:
    catalog = _catalog("fr")
    entry = catalog.get("Speaker: {name}")
    assert entry is not None and any("one person" in c for c in entry.auto_comments), entry
    heading, button = catalog.get("Next", context="heading"), catalog.get("Next ▶", context="button")
    assert heading is not None and button is not None and heading.string != button.string
