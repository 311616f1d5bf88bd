"""Chat shorthand written out, for the model.

Delegates type "c ou le vestiaire stp", "xq no hay wifi", "ks co xe dua don ko", "wher r u
guys rn". The words' engine reads such words through its stopwords and lexicon; the
multilingual model was trained on written text and reads "ko", "xq" or "rn" as noise. So
the model is given the question with the commonest shorthand of each language written out
(whole words only, and only where the shorthand has one meaning in a question to a help
desk).
"""

from __future__ import annotations

import re

_SHORTHAND: dict[str, dict[str, str]] = {
    "en": {
        "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "pls.": "please", "thx": "thanks",
        "rn": "right now", "wht": "what", "wat": "what", "whr": "where", "wher": "where", "hw": "how", "abt": "about",
        "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "2moro": "tomorrow", "2day": "today",
        "2nite": "tonight", "tonite": "tonight", "b4": "before", "bc": "because", "coz": "because", "cuz": "because",
        "ppl": "people", "hv": "have", "idk": "I don't know", "nxt": "next", "mins": "minutes", "hrs": "hours",
        "pw": "password", "pwd": "password", "govt": "government", "msg": "message", "ppt": "presentation", "w": "with", "n": "and",
    },
    "fr": {
        "pr": "pour", "ds": "dans", "qqn": "quelqu'un", "qqch": "quelque chose", "qq": "quelques", "qlq": "quelque",
        "koi": "quoi", "kwa": "quoi", "ki": "qui", "jsp": "je ne sais pas", "stp": "s'il te plaît",
        "svp": "s'il vous plaît", "mdp": "mot de passe", "tjrs": "toujours", "bcp": "beaucoup", "pk": "pourquoi",
        "pq": "pourquoi", "pcq": "parce que", "jvais": "je vais", "chui": "je suis", "jsuis": "je suis",
        "tt": "tout", "auj": "aujourd'hui", "ajd": "aujourd'hui", "rdv": "rendez-vous", "tel": "téléphone",
        "dispo": "disponible", "ya": "il y a", "g": "j'ai", "c": "c'est", "dc": "donc", "mtn": "maintenant",
    },
    "es": {
        "q": "que", "k": "que", "xq": "porque", "pq": "por qué", "porq": "por qué", "tb": "también",
        "tmb": "también", "x": "por", "d": "de", "dnd": "dónde", "cdo": "cuando", "hr": "hora", "hrs": "horas",
        "pa": "para", "xfa": "por favor", "porfa": "por favor", "msj": "mensaje", "tel": "teléfono", "toy": "estoy",
        "celu": "celular", "compu": "computadora", "finde": "fin de semana", "porfis": "por favor",
    },
    "ru": {
        "щас": "сейчас", "ща": "сейчас", "спс": "спасибо", "пж": "пожалуйста", "пжлст": "пожалуйста",
        "плз": "пожалуйста", "чё": "что", "че": "что", "чо": "что", "скок": "сколько", "скока": "сколько",
        "ваще": "вообще", "инфа": "информация", "тел": "телефон", "норм": "нормально", "шо": "что",
    },
    "vi": {
        "k": "không", "ko": "không", "kh": "không", "khg": "không", "kg": "không", "hok": "không", "hem": "không",
        "dc": "được", "đc": "được", "j": "gì", "bn": "bao nhiêu", "mk": "mình", "mik": "mình", "ng": "người",
        "vs": "với", "cx": "cũng", "cg": "cũng", "ntn": "như thế nào", "trc": "trước", "bt": "biết",
        "bh": "bây giờ", "bgio": "bây giờ", "ks": "khách sạn", "sb": "sân bay", "nv": "nhân viên", "hnay": "hôm nay",
        "dt": "điện thoại", "đt": "điện thoại", "tp": "thành phố", "ms": "mới", "r": "rồi", "qa": "quá", "z": "vậy", "ad": "admin", "mn": "mọi người",
    },
}
#: a word not glued to an apostrophe ("c" in "c'est" is no shorthand)
_WORD = re.compile(r"(?<!['’])\b[^\W_]+\b(?!['’])(?:\.(?=\s|$))?", re.UNICODE)


def expand_shorthand(text: str, lang: str) -> str:
    """``text`` with the chat shorthand of ``lang`` written out (whole words; the case of the
    rest kept)."""
    table = _SHORTHAND.get(lang)
    if not table:
        return text
    return _WORD.sub(lambda m: table.get(m.group().lower(), m.group()), text)
