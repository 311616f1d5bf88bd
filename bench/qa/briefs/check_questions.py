"""Check a question file written from a brief against its pack.

``python3 bench/qa/briefs/check_questions.py PACK_DIR FILE.jsonl`` prints one line per
problem (bad JSON or keys, an unknown language, an id the pack does not have, a duplicate, a
badly written ``now``), a note for each question sharing five words (five characters in
Chinese) with one of the pack's sample questions or names, the counts per language, and OK
when there is no problem. It reads the YAML files only, so that a helper writing questions
blind never needs the bot's code.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import yaml

LANGS = {"en", "fr", "es", "ru", "ar", "zh", "vi"}
NOW_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d[+-]\d\d:\d\d")


def _texts(value: object) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    return [str(value)] if value else []


def pack_ids_and_texts(pack: Path) -> tuple[dict[str, set[str]], list[str]]:
    """The ids of each kind of entry, and the texts a question should not copy."""
    ids: dict[str, set[str]] = defaultdict(set)
    texts: list[str] = []
    event = yaml.safe_load((pack / "event.yaml").read_text(encoding="utf-8"))
    for contact in event.get("contacts") or []:
        ids["contact"].add(contact["id"])
        texts += _texts(contact.get("name"))
    for venue in yaml.safe_load((pack / "venues.yaml").read_text(encoding="utf-8"))["venues"]:
        ids["venue"].add(venue["id"])
        texts += _texts(venue["name"])
        for room in venue.get("rooms") or []:
            ids["room"].add(room["id"])
            texts += _texts(room["name"])
    for session in yaml.safe_load((pack / "programme.yaml").read_text(encoding="utf-8"))["sessions"]:
        ids["session"].add(session["id"])
        texts += _texts(session.get("title"))
    for entry in yaml.safe_load((pack / "faq.yaml").read_text(encoding="utf-8"))["faq"]:
        ids["faq"].add(entry["id"])
        for questions in (entry.get("questions") or {}).values():
            texts += questions
    return ids, texts


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^\w]+", " ", text).strip()


def grams(text: str) -> set[object]:
    """Five-word sequences, and five-character ones of Chinese."""
    text = _norm(text)
    words = text.split()
    out: set[object] = {tuple(words[i : i + 5]) for i in range(len(words) - 4)}
    joined = re.sub(r"\s", "", text)
    if re.search(r"[\u4e00-\u9fff]", joined):
        out |= {joined[i : i + 5] for i in range(len(joined) - 4)}
    return out


def check(pack: Path, path: Path) -> int:
    """The number of problems (notes are advice, not problems)."""
    ids, texts = pack_ids_and_texts(pack)
    known = set().union(*(grams(t) for t in texts))
    problems = 0
    per_lang: Counter[str] = Counter()
    out_of_scope: Counter[str] = Counter()
    timed: Counter[str] = Counter()
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("//"):
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"line {n}: bad JSON: {exc}")
            problems += 1
            continue
        if set(item) - {"q", "lang", "now", "expect"} or not isinstance(item.get("q"), str):
            print(f"line {n}: keys must be q, lang, now (optional) and expect")
            problems += 1
            continue
        lang = item.get("lang")
        if lang not in LANGS:
            print(f"line {n}: unknown language {lang!r}")
            problems += 1
        per_lang[lang] += 1
        if "now" in item:
            timed[lang] += 1
            if not NOW_RE.fullmatch(str(item["now"])):
                print(f"line {n}: now must look like 2027-04-14T10:40+05:00")
                problems += 1
        if item["expect"] is None:
            out_of_scope[lang] += 1
        else:
            for expected in item["expect"]:
                if expected.get("id") not in ids.get(expected.get("type"), ()):
                    print(f"line {n}: no {expected.get('type')} with id {expected.get('id')!r}")
                    problems += 1
        key = _norm(item["q"])
        if key in seen:
            print(f"line {n}: duplicate question")
            problems += 1
        seen.add(key)
        shared = grams(item["q"]) & known
        if shared:
            print(f"line {n}: note: shares 5 words/characters with a pack text (rephrase unless it is a name): "
                  f"{sorted(map(str, shared))[:2]}")
    print("per language:", dict(per_lang))
    print("out of scope:", dict(out_of_scope))
    print("with now:", dict(timed))
    print("OK" if not problems else f"{problems} problem(s)")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(1 if check(Path(sys.argv[1]), Path(sys.argv[2])) else 0)
