"""Whether a text states a price: an amount of money, or that something costs nothing.

"How much is a night at the Serena at the summit rate?" is answered only by an entry that
gives the figure. The hotels FAQ that speaks of "negotiated rates" without one names the
cost, not the amount: it is a "did you mean", and the honest answer is "not sure" (the
lexicon's ``price-asked`` concept needs an ``amount``, which :mod:`bot.answers.index` gives
the entries whose texts state one). Free, included, no charge: that answers "how much?"
too.
"""

from __future__ import annotations

import re
import unicodedata

#: currency signs and ISO codes (and the CFA franc's usual spellings), before or after a figure
_SIGNS = "$€£¥₫₸₦₹₩₺₱฿₽₪₴₼₾﷼"
_CODES_TEXT = (
    "USD EUR GBP JPY CNY RMB HKD TWD VND KZT UZS KGS TJS AZN GEL AMD RUB UAH NGN GHS KES UGX TZS RWF ETB "
    "ZAR EGP MAD DZD TND XOF XAF CFA FCFA INR PKR BDT LKR NPR THB MYR SGD IDR PHP KRW AUD NZD CAD MXN BRL "
    "ARS CLP PEN PAB CRC GTQ DOP CUP BOB UYU PYG QAR AED SAR KWD BHD OMR JOD LBP IQD TRY ILS CHF NOK "
    "SEK DKK PLN CZK HUF RON"
)
_CODES = _CODES_TEXT.split()
#: currency words after (or before) a figure, as the packs' seven languages write them
_WORDS_TEXT = (
    "dollars dollar euros euro pounds francs franc shillings shilling naira cedis rand dirhams dirham "
    "dinars riyals rials rupees rupee pesos peso reais baht tenge som soms soum soums manat lari dram "
    "rubles roubles yuan renminbi yen ringgit rupiah lira liras birr dong dongs kwacha leones "
    "dólares dólar libras francos chelines dírhams dinares riales rupias reales liras "
    "доллар долларов доллара евро фунтов франков шиллингов рублей рубля рубль тенге сумов сум манат лари "
    "драм юаней юань иен вон лир дирхамов динаров риалов рупий песо бат донгов донг "
    "دولار دولارات يورو جنيه جنيهات فرنك شلن شلنات نيرة راند درهم دراهم دينار دنانير ريال ريالات روبية "
    "بيزو بات تينغي ليرة ليرات "
    "đồng đô "
)
_WORDS = _WORDS_TEXT.split()
_ZH_UNITS = ("元", "美元", "欧元", "英镑", "日元", "韩元", "越南盾", "坚戈", "卢比", "比索", "法郎", "先令", "奈拉", "兰特",
             "迪拉姆", "第纳尔", "里亚尔", "泰铢")
#: "free", "no charge", "included": costs nothing, which answers "how much?"
_FREE = (
    "free", "free of charge", "no charge", "no cost", "at no cost", "complimentary", "included", "no fee",
    "gratuit", "gratuite", "gratuits", "gratuites", "gratuitement", "sans frais", "offert", "offerte", "inclus",
    "incluse",
    "gratis", "gratuito", "gratuita", "gratuitos", "gratuitas", "sin costo", "sin cargo", "incluido", "incluida",
    "sin coste",
    "бесплатно", "бесплатный", "бесплатная", "бесплатное", "бесплатные", "бесплатен", "бесплатна",
    "входит в стоимость", "без оплаты",
    "miễn phí", "không mất phí", "không tính phí", "đã bao gồm", "bao gồm trong",
)

#: the same in scripts without spaces or with prefixes (المجانية, 免费班车): found inside words
_FREE_INSIDE = ("مجان", "بدون رسوم", "دون رسوم", "بلا رسوم", "免费", "免費", "不收费", "不收費", "包含在内")

#: "a few thousand som": a magnitude in words before the currency is a figure too
_MAGNITUDES = ("thousand", "thousands", "hundred", "hundreds", "million", "millions", "millier", "milliers",
               "centaine", "centaines", "miles", "cientos", "тысяч", "тысяча", "тысячи", "сотни", "сотня", "сотен",
               "آلاف", "ألف", "مئات", "nghìn", "ngàn", "trăm", "triệu")
_MAGNITUDE = "(?:" + "|".join(sorted(_MAGNITUDES, key=len, reverse=True)) + r")(?:\s+(?:of|de|d'))?"

_NUMBER = r"\d[\d\s.,’'\u00a0\u202f]*\d|\d"
_SIGN = f"[{re.escape(_SIGNS)}]"
_CODE = "|".join(sorted(_CODES, key=len, reverse=True))
_WORD = "|".join(map(re.escape, sorted(_WORDS, key=len, reverse=True)))
_ZH = "|".join(sorted(_ZH_UNITS, key=len, reverse=True))
_AMOUNTS = (
    re.compile(rf"{_SIGN}\s?(?:{_NUMBER})|(?:{_NUMBER})\s?{_SIGN}"),
    # codes in capitals only: "1 cup of tea", "a pen" are not Cuban or Peruvian money
    re.compile(rf"\b(?:{_CODE})\s?(?:{_NUMBER})|(?:{_NUMBER})\s?(?:{_CODE})\b"),
    re.compile(rf"(?:{_NUMBER}|{_MAGNITUDE})\s?(?:[km]\s)?(?:{_WORD})(?!\w)", re.IGNORECASE),
    re.compile(rf"(?:{_NUMBER}|[一二三四五六七八九十百千万两]+)\s?(?:{_ZH})"),
)
#: "free" that says nothing of a price: "feel free to ask", "duty-free", "free seating"
_NOT_FREE = re.compile(r"feel free|free (?:time|seating|to (?:ask|contact|come|visit|join|leave))|[\w][-‑]free", re.IGNORECASE)
_FREE_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(_FREE, key=len, reverse=True))) + r")(?!\w)", re.IGNORECASE
)


#: what each pattern needs in a text before it is worth running (most texts have none: an
#: index build reads every entry's texts in every language)
_WORD_RE = re.compile(r"\w+")
_CODE_SET = frozenset(_CODES)
_WORD_SET = frozenset(w.lower() for w in (*_WORDS, *_MAGNITUDES))
_FREE_LAST = frozenset(phrase.lower().split()[-1] for phrase in _FREE)


def states_price(text: str) -> bool:
    """Whether ``text`` gives an amount of money ("KES 500–1,000", "15 €", "20 000 FCFA",
    "50 đô") or says that something costs nothing ("free of charge", "gratuit", "免费")."""
    text = unicodedata.normalize("NFKC", text)
    words = set(_WORD_RE.findall(text))
    lower = {w.lower() for w in words}
    sign, code, word, zh = _AMOUNTS
    if (any(c in text for c in _SIGNS) and sign.search(text)) or (words & _CODE_SET and code.search(text)):
        return True
    if (lower & _WORD_SET and word.search(text)) or (any(u in text for u in _ZH_UNITS) and zh.search(text)):
        return True
    if lower & _FREE_LAST and _FREE_RE.search(_NOT_FREE.sub(" ", text)):
        return True
    return any(w in text for w in _FREE_INSIDE)
