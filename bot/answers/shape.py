"""Word shapes: is an unknown word more likely a verb or an adverb (how someone asks) than a
noun (what they ask about)?

A word neither the pack nor the lexicon knows is either the topic the pack lacks ("is there
a *gym*?") or just a way of asking ("can I *borrow*...", "*usually*"). Endings tell these
apart well enough in the European languages and Russian, and verb prefixes do in Arabic;
a capitalised word in the middle of a sentence is a name, and names are topics.
"""

from __future__ import annotations

import re

_GENERIC_ENDINGS = {
    "en": re.compile(r"(?:ly|ing|ed|ize|ise|ful|less|ous|ive|able|ible)$"),
    "fr": re.compile(r"(?:ment|er|ir|re|ons|ez|ent|ais|ait|aient|erai|eras|era|ions|iez|é|ée|és|ées|ant|eux|euse|if|ive|able|ible)$"),
    "es": re.compile(r"(?:mente|ar|er|ir|amos|emos|imos|áis|éis|an|en|aba|ía|ado|ada|ido|ida|ando|iendo|oso|osa|ivo|iva|able|ible)$"),
    "ru": re.compile(r"(?:ть|ться|тся|ет|ют|ит|ят|ем|им|ешь|ишь|ете|ите|ал|ала|али|ил|ила|или|ло|но|ый|ий|ой|ая|ое|ые|ого|ому|ом|ую|ее)$"),
}
# Arabic imperfect verbs: a prefix letter (ي ت ا ن, with the future س) on a short stem
_AR_VERB = re.compile(r"^(?:س?[يتان])[^\s]{3,4}$")


def looks_generic(surface: str, lang: str, script: str) -> bool:
    """True when an unknown word is probably a verb, adverb or adjective."""
    if script == "cyrillic":
        return bool(_GENERIC_ENDINGS["ru"].search(surface)) and len(surface) > 4
    if script == "arabic":
        return bool(_AR_VERB.match(surface)) and not surface.startswith("ال")
    if script == "latin":
        pattern = _GENERIC_ENDINGS.get(lang)
        return bool(pattern and len(surface) > 4 and pattern.search(surface))
    return False


def is_name(original: str) -> bool:
    """A capitalised word (or an acronym) as the person typed it."""
    return len(original) > 1 and original[0].isupper() and not original.isupper() or (
        len(original) > 1 and original.isupper() and original.isalpha()
    )
