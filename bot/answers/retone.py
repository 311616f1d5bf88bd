"""Tones put back on Vietnamese typed without them, from the words the pack itself writes.

Delegates often type Vietnamese without its tone marks ("tai lieu hoi nghi o dau"). The
words' engine compares syllables without tones anyway, but the multilingual model reads
"tai lieu" as other tokens than "tài liệu" and finds the pack's toned phrasings far away. A
:class:`Retoner` learns, from the pack's own Vietnamese texts (and the lexicon's), which toned
form each toneless run of one to three syllables most often stands for, and rewrites a
question with the longest runs it knows; a syllable it has never seen stays as typed. The
model is then given the rewritten question (the words' engine keeps the original).
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from babel.messages.pofile import read_po

from bot.answers.lexicon import load_lexicon
from bot.answers.normalize import fold_accents
from bot.i18n import DOMAIN, LOCALES_DIR

CATALOG_PATH = LOCALES_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po"

_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
#: the longest run of syllables looked up at once
MAX_RUN = 3


def _bare(syllable: str) -> str:
    return fold_accents(syllable).replace("Đ", "D").lower()


def _count(texts: Iterable[str]) -> defaultdict[tuple[str, ...], Counter[str]]:
    counts: defaultdict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for text in texts:
        words = _SYLLABLE.findall(text.lower())
        if not words:
            continue
        bare = [_bare(w) for w in words]
        for n in range(1, MAX_RUN + 1):
            for k in range(len(words) - n + 1):
                counts[tuple(bare[k : k + n])][" ".join(words[k : k + n])] += 1
    return counts


@functools.cache
def _common_counts() -> dict[tuple[str, ...], Counter[str]]:
    return dict(_count(common_vietnamese()))


class Retoner:
    """Toneless runs of syllables -> their commonest toned form in the given texts (else in
    :func:`common_vietnamese`)."""

    def __init__(self, texts: Iterable[str], common: bool = True) -> None:
        counts = _count(texts)
        if common:  # the pack's own Vietnamese decides a run it writes; the bot's fills the others
            for key, forms in _common_counts().items():
                counts.setdefault(key, forms)
        self._forms: dict[tuple[str, ...], str] = {}
        for key, forms in counts.items():
            form = forms.most_common(1)[0][0]
            if " ".join(key) != form:  # a run with no tone to give is not worth keeping
                self._forms[key] = form

    def __len__(self) -> int:
        return len(self._forms)

    def retone(self, text: str) -> str:
        """``text`` with each known toneless run given its tones (longest runs first)."""
        spans = [(m.start(), m.end(), m.group()) for m in _SYLLABLE.finditer(text)]
        out: list[str] = []
        last = 0
        k = 0
        while k < len(spans):
            for n in range(min(MAX_RUN, len(spans) - k), 0, -1):
                run = spans[k : k + n]
                if any(text[run[j][1] : run[j + 1][0]].strip() for j in range(n - 1)):
                    continue  # a run does not cross punctuation
                form = self._forms.get(tuple(_bare(s[2]) for s in run))
                if form is not None and all(_bare(s[2]) == s[2].lower() for s in run):
                    out.append(text[last : run[0][0]])
                    out.append(form)
                    last = run[-1][1]
                    k += n
                    break
            else:
                k += 1
        out.append(text[last:])
        return "".join(out)


@functools.cache
def common_vietnamese() -> tuple[str, ...]:
    """Vietnamese the bot itself writes, beside any pack's: the lexicon's phrases and the
    interface's catalog (the languages' names, days, the words of logistics)."""
    texts = list(load_lexicon().phrases.get("vi", ()))
    if CATALOG_PATH.exists():
        with CATALOG_PATH.open("rb") as fh:
            catalog = read_po(fh, locale="vi", domain=DOMAIN)
        for message in catalog:
            strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
            texts.extend(str(x) for x in strings if x)
    return tuple(texts)
