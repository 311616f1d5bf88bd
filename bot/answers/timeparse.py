"""Time expressions in the seven languages: "now", "next", "today", "tomorrow morning",
weekday names, "25 October", "25/10", "第二天", "3 pm" ... resolved against ``now`` in
the event's time zone.

Patterns run on a folded copy of the question (accents and tones removed, Arabic letters
folded, casefolded), so "manana", "mañana" and "Mañana" are one word; the few Vietnamese
words whose meaning depends on tones (sáng, chiều, tối, trưa, mai) are matched with tones.
Each match reports its span in the prepared text so the engine can drop those words from
the topical part of the question.

Why not ``dateparser`` (measured with ``python -m bench.qa.libraries`` on the dev sets): most
of what delegates ask is an event's own time ("now", "next", "this afternoon", "day two"),
which it does not parse; for dates it finds days in questions that name none (numbers,
"mai" as a month in Vietnamese) and differs from us on others, gives the same dev figures
when its dates replace ours, and costs 5 to 6 times more per question (p99 9-22 ms against
4-5 ms in two runs on a loaded machine), a good part of the engine's latency budget.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from bot.answers.normalize import fold_arabic, has_vietnamese_marks, prepare

PARTS: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(5, 0), dt.time(12, 0)),
    "noon": (dt.time(11, 30), dt.time(14, 0)),
    "afternoon": (dt.time(12, 0), dt.time(18, 0)),
    "evening": (dt.time(17, 0), dt.time(23, 59, 59)),
}

# (pattern, meaning); meaning is "now", "next", "day:+N", "part:NAME", "dayord:N", "wd:N"
# Order matters: earlier patterns claim their words first.
_L = r"(?<![^\W\d_])"  # no letter before
_R = r"(?![^\W\d_])"  # no letter after


def _w(*alternatives: str) -> str:
    return _L + "(?:" + "|".join(alternatives) + ")" + _R


#: a Vietnamese weekday next (typed without tones: "thu tu", "thu 5", "chu nhat")
_VI_WEEKDAY_AHEAD = r"(?=\s+(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu nhat|cn)\b)"


_SPECS: list[tuple[str, str]] = [
    # -- combined day + part ("this morning", "tomorrow morning", "tonight") ----------------
    (_w("this morning", "ce matin", "esta manana", "этим утром", "сегодня утром", "صباح اليوم", "هذا الصباح", "sang nay", "buoi sang nay"), "day:0|part:morning"),
    (_w("this afternoon", "cet apres-midi", "cet apres midi", "cet aprem", "esta tarde", "сегодня днем", "بعد ظهر اليوم", "هذا المساء بعد الظهر", "chieu nay", "buoi chieu nay"), "day:0|part:afternoon"),
    (_w("this evening", "tonight", "ce soir", "cette nuit", "esta noche", "сегодня вечером", "этим вечером", "هذا المساء", "مساء اليوم", "الليله", "toi nay", "dem nay", "buoi toi nay"), "day:0|part:evening"),
    (_w("tomorrow morning", "demain matin", "manana por la manana", "manana en la manana", "завтра утром", "صباح الغد", "غدا صباحا", "غدا في الصباح", "sang mai", "sang ngay mai", "buoi sang ngay mai"), "day:1|part:morning"),
    (_w("tomorrow afternoon", "demain apres-midi", "demain apres midi", "demain aprem", "manana por la tarde", "manana en la tarde", "завтра днем", "بعد ظهر الغد", "غدا بعد الظهر", "غدا بعد الظهيره", "chieu mai", "chieu ngay mai", "buoi chieu ngay mai"), "day:1|part:afternoon"),
    (_w("tomorrow evening", "tomorrow night", "demain soir", "manana por la noche", "manana en la noche", "завтра вечером", "مساء الغد", "غدا مساء", "غدا في المساء", "toi mai", "toi ngay mai", "buoi toi ngay mai"), "day:1|part:evening"),
    ("今天上午|今早|今天早上|今天早晨", "day:0|part:morning"),
    ("今天下午", "day:0|part:afternoon"),
    ("今晚|今天晚上|今天傍晚", "day:0|part:evening"),
    ("明天上午|明早|明天早上|明天早晨", "day:1|part:morning"),
    ("明天下午", "day:1|part:afternoon"),
    ("明晚|明天晚上", "day:1|part:evening"),
    # -- ordinal days of the event --------------------------------------------------------
    (_w("day one", "day 1", "first day", "opening day", "premier jour", "jour 1", "premiere journee", "primer dia", "dia 1", "el primer dia", "первый день", "первого дня", "день 1", "в первый день", "اليوم الاول", "اول يوم", "اليوم 1", "ngay dau tien", "ngay dau", "ngay thu nhat", "ngay 1 cua hoi nghi"), "dayord:1"),
    (_w("day two", "day 2", "second day", "deuxieme jour", "second jour", "jour 2", "deuxieme journee", "segundo dia", "dia 2", "второй день", "второго дня", "день 2", "во второй день", "اليوم الثاني", "اليوم 2", "ngay thu hai", "ngay thu 2", "ngay hai"), "dayord:2"),
    (_w("day three", "day 3", "third day", "troisieme jour", "jour 3", "tercer dia", "dia 3", "третий день", "третьего дня", "день 3", "اليوم الثالث", "ngay thu ba", "ngay thu 3"), "dayord:3"),
    (_w("last day", "final day", "closing day", "dernier jour", "derniere journee", "ultimo dia", "последний день", "последнего дня", "اليوم الاخير", "اخر يوم", "يوم الختام", "اليوم الختامي", "ngay cuoi", "ngay cuoi cung", "ngay ket thuc"), "dayord:-1"),
    ("第一天|首日|第1天|头一天", "dayord:1"),
    ("第二天|第2天", "dayord:2"),
    ("第三天|第3天", "dayord:3"),
    ("最后一天|最后1天", "dayord:-1"),
    # -- relative days ------------------------------------------------------------------------
    (_w("day after tomorrow", "apres-demain", "apres demain", "pasado manana", "послезавтра", "بعد غد", "بعد الغد", "ngay kia", "ngay mot"), "day:2"),
    ("后天", "day:2"),
    (_w("yesterday", "hier", "ayer", "вчера", "امس", "البارحه", "hom qua"), "day:-1"),
    ("昨天", "day:-1"),
    # "la plenaria de la mañana" is the morning's, not tomorrow's
    (_w("por la manana", "en la manana", "de la manana"), "part:morning"),
    (_w("tomorrow", "tmrw", "tmr", "demain", "manana", "завтра", "завтрашн\\w*", "غدا", "الغد", "يوم غد", "غد", "بكره", "بكرا", "ngay mai"), "day:1"),
    ("明天|明日", "day:1"),
    (_w("today", "todays", "aujourd'hui", "aujourd hui", "aujourdhui", "auj", "hoy", "сегодня", "сегодняшн\\w*", "اليوم", "hom nay", "ngay hom nay", "bua nay"), "day:0"),
    ("今天|今日", "day:0"),
    # -- parts of a day ---------------------------------------------------------------------
    (_w("morning", "mornings", "matin", "matinee", "por la manana", "en la manana", "de la manana", "утром", "утро", "утренн\\w*", "صباحا", "الصباح", "صباح", "الصبح", "الصبحيه", "buoi sang"), "part:morning"),
    # "after lunch": the afternoon from the end of the day's lunch (``TimeQuery.after``)
    # (Russian "после обеда" is also "in the afternoon": from the end of the lunch reads both)
    (_w("сегодня после обеда"), "day:0|part:afternoon|after:lunch"),
    (_w("завтра после обеда"), "day:1|part:afternoon|after:lunch"),
    (_w("after lunch", "after the lunch", "after the lunch break", "post lunch", "post-lunch", "apres le dejeuner", "apres dejeuner", "apres le dej", "apres dej", "despues del almuerzo", "despues de almorzar", "despues de comer", "после обеда", "после ланча", "بعد الغداء", "بعد الغدا", "sau bua trua", "sau an trua", "sau khi an trua", "an trua xong"), "part:afternoon|after:lunch"),
    ("午饭后|午餐后", "part:afternoon|after:lunch"),
    # "before lunch": the morning (the engine's "before" is for sessions: "before the gala")
    (_w("before lunch", "before the lunch", "before the lunch break", "avant le dejeuner", "avant dejeuner", "avant le dej", "avant dej", "avant midi", "antes del almuerzo", "antes de almorzar", "antes de comer", "antes del mediodia", "до обеда", "перед обедом", "قبل الغداء", "قبل الغدا", "قبل الظهر", "truoc bua trua", "truoc an trua", "truoc trua"), "part:morning"),
    ("午饭前|午餐前|午饭之前|中午前|中午之前", "part:morning"),
    (_w("afternoon", "afternoons", "apres-midi", "apres midi", "aprem", "por la tarde", "en la tarde", "de la tarde", "днем", "дневн\\w*", "بعد الظهر", "بعد الظهيره", "العصر", "buoi chieu"), "part:afternoon"),
    # toneless Vietnamese before a weekday: "toi thu tu" is Wednesday evening, not "I"
    (_w("toi" + _VI_WEEKDAY_AHEAD, "dem" + _VI_WEEKDAY_AHEAD), "part:evening"),
    (_w("sang" + _VI_WEEKDAY_AHEAD), "part:morning"),
    (_w("chieu" + _VI_WEEKDAY_AHEAD), "part:afternoon"),
    (_w("evening", "evenings", "night", "soir", "soiree", "por la noche", "en la noche", "de la noche", "noche", "вечером", "вечер", "вечерн\\w*", "مساء", "المساء", "مساءا", "ليلا", "بالليل", "في الليل", "بليل", "عشية", "buoi toi"), "part:evening"),
    (_w("noon", "midday", "lunchtime", "lunch time", "midi", "mediodia", "полдень", "в обед", "الظهر", "الظهيره", "buoi trua"), "part:noon"),
    ("上午|早上|早晨|早间", "part:morning"),
    ("中午", "part:noon"),
    ("下午", "part:afternoon"),
    ("晚上|傍晚|晚间", "part:evening"),
    # -- now / next -------------------------------------------------------------------------
    (_w("right now", "rn", "now", "currently", "at the moment", "at present", "ongoing", "in progress", "maintenant", "presentement", "a l'heure actuelle", "en ce moment", "actuellement", "en cours", "a present", "ahora mismo", "ahorita", "ahora", "en este momento", "actualmente", "en curso", "прямо сейчас", "сейчас", "в данный момент", "в настоящее время", "идет сейчас", "الان", "حاليا", "في هذه اللحظه", "الحين", "ذلحين", "دحين", "هالحين", "دلوقتي", "دلوقت", "هلق", "هلّق", "هلأ", "هلء", "هسه", "هسا", "دروك", "ضروك", "دابا", "توا", "щас", "ща", "bay gio", "gio nay", "bgio", "hien tai", "hien gio", "luc nay", "dang dien ra", "ngay luc nay", "gio dang", "dang co gi", "dang hop gi", "dang co su kien", "dang to chuc", "kounye a", "kounyea", "konnya"), "now"),
    ("现在|目前|此刻|此时|当前|当下|正在进行|眼下|这会儿|这会|而家|开紧|这个时段|这个时间段|這個時段|這個時間段|这个点|這個點|這會兒", "now"),
    (_w("next", "coming up", "upcoming", "after this", "after that", "later", "prochain", "prochaine", "prochains", "prochaines", "ensuite", "suivant", "suivante", "a venir", "apres ca", "et apres", "et la suite", "quoi la suite", "koi la suite", "siguiente", "proximo", "proxima", "proximos", "proximas", "a continuacion", "despues de esto", "despues de eso", "despues(?!\\s+del?\\b)", "luego(?!\\s+del?\\b)", "que sigue", "sigue", "que viene", "следующ\\w*", "дальше", "далее", "потом", "затем", "ближайш\\w*", "التالي", "التاليه", "القادم", "القادمه", "بعد ذلك", "بعد هذا", "المقبل", "المقبله", "الجايه", "الجاي", "اللي جايه", "اللي جاي", "tiep theo", "ke tiep", "sap toi", "sau do", "tiep"), "next"),
    # "之后" alone is "next"; after a noun it is "after" it ("开幕式之后": the engine's RELATIVE)
    ("下一个|下一场|下一项|接下来|(?<![\u4e00-\u9fff])之后|那之后|这之后|然后|下一|随后|稍后", "next"),
]

# Vietnamese single syllables whose sense needs their tones (matched on the toned text)
_TONED_SPECS: list[tuple[str, str]] = [
    (_w("sáng mai"), "day:1|part:morning"),
    (_w("chiều mai"), "day:1|part:afternoon"),
    (_w("tối mai"), "day:1|part:evening"),
    (_w("mai"), "day:1"),
    (_w("sáng"), "part:morning"),
    (_w("trưa"), "part:noon"),
    (_w("chiều"), "part:afternoon"),
    (_w("tối", "đêm"), "part:evening"),
]

_WEEKDAYS: list[tuple[str, ...]] = [
    ("monday", "lundi", "lunes", "понедельник\\w*", "الاثنين", "الإثنين", "الاتنين", "thu hai", "thu 2"),
    ("tuesday", "mardi", "martes", "вторник\\w*", "الثلاثاء", "التلات", "التلاتاء", "thu ba", "thu 3"),
    ("wednesday", "mercredi", "miercoles", "сред[аеуы]", "الاربعاء", "الاربعا", "يوم الاربع", "thu tu", "thu 4"),
    ("thursday", "jeudi", "jueves", "четверг\\w*", "الخميس", "thu nam", "thu 5"),
    ("friday", "vendredi", "viernes", "пятниц[аеуы]", "الجمعه", "thu sau", "thu 6"),
    ("saturday", "samedi", "sabado", "суббот[аеуы]", "السبت", "thu bay", "thu 7"),
    ("sunday", "dimanche", "domingo", "воскресень[еяю]", "الاحد", "chu nhat", "cn"),
]
_ZH_WEEKDAY = "一二三四五六日"

_MONTHS: list[tuple[str, ...]] = [
    ("january", "jan", "janvier", "janv", "enero", "январ\\w*", "يناير", "كانون الثاني"),
    ("february", "feb", "fevrier", "fevr", "febrero", "феврал\\w*", "فبراير", "شباط"),
    ("march", "mar", "mars", "marzo", "марта?", "مارس", "اذار"),
    ("april", "apr", "avril", "abril", "апрел\\w*", "ابريل", "نيسان"),
    ("may", "mai", "mayo", "ма[ияе]", "مايو", "ايار"),
    ("june", "jun", "juin", "junio", "июн\\w*", "يونيو", "حزيران"),
    ("july", "jul", "juillet", "julio", "июл\\w*", "يوليو", "تموز"),
    ("august", "aug", "aout", "agosto", "август\\w*", "اغسطس", "اب"),
    ("september", "sep", "sept", "septembre", "septiembre", "setiembre", "сентябр\\w*", "سبتمبر", "ايلول"),
    ("october", "oct", "octobre", "octubre", "октябр\\w*", "اكتوبر", "تشرين الاول"),
    ("november", "nov", "novembre", "noviembre", "ноябр\\w*", "نوفمبر", "تشرين الثاني"),
    ("december", "dec", "decembre", "diciembre", "декабр\\w*", "ديسمبر", "كانون الاول"),
]
_VI_MONTH_WORDS = ["mot", "hai", "ba", "tu", "nam", "sau", "bay", "tam", "chin", "muoi", "muoi mot", "muoi hai"]


def fold(text: str) -> tuple[str, list[int]]:
    """Fold a prepared text for matching; returns it with a map folded index -> prepared index."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\x80":  # ASCII folds to itself
            out.append(ch)
            index.append(i)
            continue
        piece = unicodedata.normalize("NFKD", ch)
        piece = "".join(c for c in piece if not unicodedata.combining(c))
        piece = piece.replace("đ", "d").replace("œ", "oe").replace("æ", "ae")
        piece = fold_arabic(piece)
        for c in piece:
            out.append(c)
            index.append(i)
    return "".join(out), index


def _fold_pattern(pattern: str) -> str:
    folded, _ = fold(pattern)
    return folded


_COMPILED = [(re.compile(_fold_pattern(p)), meaning) for p, meaning in _SPECS]
_TONED = [(re.compile(p), meaning) for p, meaning in _TONED_SPECS]
_WEEKDAY_RES = [re.compile(_fold_pattern(_w(*names))) for names in _WEEKDAYS]
_ZH_WEEKDAY_RE = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天])")
_MONTH_ALT = [_fold_pattern("|".join(names)) for names in _MONTHS]
_MONTH_NAME_RE = re.compile(
    "|".join(f"(?P<m{i + 1}>{alt})" for i, alt in enumerate(_MONTH_ALT))
)
_DAY_NUM = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|e|eme|го|е|ого)?"
_DATE_RES = [
    # 25 october / 25 de octubre / 25 октября / 25 اكتوبر
    re.compile(_L + _DAY_NUM + r"\s*(?:de\s+)?(?:of\s+)?(?P<mon>" + _MONTH_NAME_RE.pattern + r")" + _R),
    # october 25
    re.compile(_L + r"(?P<mon>" + _MONTH_NAME_RE.pattern + r")\s+(?:the\s+)?" + _DAY_NUM + _R),
    # 25 thang 10 / ngay 25 thang 10
    re.compile(r"(?:ngay\s+)?(?P<d>[0-3]?\d)\s+thang\s+(?P<mn>1[0-2]|0?[1-9])" + _R),
    # 10月25日 / 10月25号
    re.compile(r"(?P<mn>1[0-2]|0?[1-9])\s*月\s*(?P<d>[0-3]?\d)\s*(?:日|号)?"),
    # 25/10, 25.10, 25-10 (day first unless only month first makes sense)
    re.compile(r"(?<![\d:])(?P<a>[0-3]?\d)[/.\-](?P<b>[0-3]?\d)(?:[/.\-](?:20)?\d\d)?(?![\d:])"),
]
# a bare day of the month: "le 25", "el 25", "on the 25th", "on 25th", "25号", "ngay 25", "25-го"
_BARE_DAY_RES = [
    re.compile(_L + r"(?:on the|the|le|el|dia|ngay)\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?" + _R),
    re.compile(_L + r"(?:on|by|till|until)\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)" + _R),  # "on 13th"
    re.compile(r"(?P<d>[0-3]?\d)\s*(?:日|号)"),
    re.compile(_L + r"(?P<d>[0-3]?\d)-?(?:го|е)" + _R),
]
_CLOCK_RES = [
    # half past: "4 y media", "4h et demie", "16 heures et demie", "4 giờ rưỡi", "half past 4"
    re.compile(r"(?<![\d/.\-:])(?P<h>[01]?\d|2[0-3])\s*(?:h|heures?|gio)?\s*(?:y|et|e)?\s*(?P<half>media|demie|demi|ruoi)" + _R),
    re.compile(_L + r"(?P<half>half)\s+(?:past\s+)?(?P<h>1[0-2]|0?[1-9])(?:\s*(?P<ap>am|pm|a\.m\.|p\.m\.))?" + _R),
    re.compile(r"(?<![\d/.\-])(?P<h>[01]?\d|2[0-3])[:h](?P<m>[0-5]\d)(?!\d)\s*(?P<ap>am|pm|a\.m\.|p\.m\.)?"),
    re.compile(_L + r"(?P<h>1[0-2]|0?[1-9])\s*(?P<ap>am|pm|a\.m\.|p\.m\.)"),
    re.compile(r"(?<![\d/.\-])(?P<h>[01]?\d|2[0-3])\s*h(?:eures?)?" + _R),
    re.compile(r"(?<![\d/.\-])(?P<h>[01]?\d|2[0-3])\s*(?:gio|giờ)" + _R),
    re.compile(r"(?P<pm>下午|晚上)?(?P<h>[01]?\d|2[0-3])\s*(?:点|點|时)(?:(?P<m>[0-5]?\d)分?|半(?P<half>))?"),
    re.compile(r"الساعه\s*(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d)|\s*و\s*(?P<half>نصف?))?"),
    re.compile(_L + r"(?:at|a las|a la)\s+(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?" + _R),
]


@dataclass
class TimeQuery:
    """What a question asks about the programme's time line."""

    mode: str  # "now" | "next" | "window" | "at"
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    day: dt.date | None = None
    part: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # in the prepared text
    #: a lexicon concept the window starts after ("after lunch": the end of the lunch session)
    after: str | None = None


def parse_time(
    text: str,
    now: dt.datetime,
    tz: dt.tzinfo,
    event_days: list[dt.date] | None = None,
) -> TimeQuery | None:
    """The time expression of a question, resolved against ``now`` in zone ``tz``."""
    prepared = prepare(text)
    folded, index = fold(prepared)
    local_now = now.astimezone(tz)
    today = local_now.date()
    days = event_days or []
    taken: list[tuple[int, int]] = []  # spans in the folded text

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    meanings: list[str] = []
    day: dt.date | None = None
    clock: dt.time | None = None

    # dates first: "25/10" must not become a clock time, "mai" in "25 mai" is a month
    for rx in _DATE_RES:
        for m in rx.finditer(folded):
            if not free(m.start(), m.end()):
                continue
            found = _date_from_match(m, today, days)
            if found is not None:
                day = day or found
                taken.append((m.start(), m.end()))
    clocks: list[tuple[int, dt.time, bool, int]] = []  # start, time, a bare hour, end
    for rx in _CLOCK_RES:
        for m in rx.finditer(folded):
            if free(m.start(), m.end()):
                found_clock = _clock_from_match(m)
                if found_clock is not None:
                    clocks.append((m.start(), found_clock, _bare_hour(m), m.end()))
                    taken.append((m.start(), m.end()))
    # the first clock time in the question is the one asked about; any other ("my flight
    # is at 6, the closing ends at 4:45") is a time too, not a topic word
    first = min(clocks, key=lambda c: c[0]) if clocks else None
    clock = first[1] if first else None
    # "after 4pm": the word "after" belongs to the time, not to the topic (a shuttle's
    # "after the last sessions" must not make it the question's subject)
    after_clock = _from_clock_on(folded, first[0], first[3]) if first is not None else None
    if after_clock is not None:
        taken.append(after_clock)
    for rx, meaning in _COMPILED:
        for m in rx.finditer(folded):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                meanings.extend(meaning.split("|"))
    toned_spans: list[tuple[int, int]] = []
    vi_like = has_vietnamese_marks(prepared) or "sáng" in prepared
    for rx, meaning in _TONED if vi_like else ():
        for m in rx.finditer(prepared):
            a, b = m.start(), m.end()
            if all(b <= x or a >= y for x, y in toned_spans) and _free_prepared(a, b, taken, index):
                toned_spans.append((a, b))
                meanings.extend(meaning.split("|"))
    for n, rx in enumerate(_WEEKDAY_RES):
        for m in rx.finditer(folded):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                meanings.append(f"wd:{n}")
    for m in _ZH_WEEKDAY_RE.finditer(folded):
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            ch = m.group(1)
            meanings.append(f"wd:{6 if ch in '日天' else _ZH_WEEKDAY.index(ch)}")
    if day is None and (meanings or _has_day_context(folded)):
        for rx in _BARE_DAY_RES:
            for m in rx.finditer(folded):
                if free(m.start(), m.end()):
                    found = _bare_day(int(m.group("d")), today, days)
                    if found is not None:
                        day = found
                        taken.append((m.start(), m.end()))

    if not meanings and day is None and clock is None:
        return None

    part = next((m.split(":", 1)[1] for m in meanings if m.startswith("part:")), None)
    for meaning in meanings:
        if day is not None:
            break
        if meaning.startswith("day:"):
            day = today + dt.timedelta(days=int(meaning[4:]))
        elif meaning.startswith("dayord:") and days:
            n = int(meaning[7:])
            day = days[n - 1] if 0 < n <= len(days) else (days[-1] if n == -1 else None)
        elif meaning.startswith("wd:"):
            day = _weekday(int(meaning[3:]), today, days)
    spans = [(index[a], index[b - 1] + 1) for a, b in taken if b > a] + toned_spans
    if "next" in meanings and day in (None, today) and part is None and clock is None:
        return TimeQuery("next", spans=spans)  # "what's next now?" asks for the next
    if "now" in meanings and day in (None, today) and clock is None:
        return TimeQuery("now", spans=spans)
    if day is None:
        day = _default_day(today, days)
    if clock is not None:
        if part in ("afternoon", "evening") and clock.hour < 12:
            clock = clock.replace(hour=clock.hour + 12)
        elif first is not None and first[2] and part is None and AFTERNOON_HOURS[0] <= clock.hour <= AFTERNOON_HOURS[1]:
            clock = clock.replace(hour=clock.hour + 12)  # "what's on at 4?" at a conference: 16:00
        at = dt.datetime.combine(day, clock, tzinfo=tz)
        if after_clock is not None:
            # "what's on after 4pm on Tuesday": the rest of that day, not the hour at 4
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
            return TimeQuery("window", start=at, end=end, day=day, spans=spans)
        return TimeQuery("at", start=at, end=at + dt.timedelta(hours=1), day=day, spans=spans)
    if part is not None:
        a, b = PARTS[part]
        start = dt.datetime.combine(day, a, tzinfo=tz)
        end = dt.datetime.combine(day, b, tzinfo=tz)
    else:
        start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
        end = start + dt.timedelta(days=1)
    if "next" in meanings and day == today:
        start = max(start, local_now)
    after = next((m.split(":", 1)[1] for m in meanings if m.startswith("after:")), None)
    return TimeQuery("window", start=start, end=end, day=day, part=part, spans=spans, after=after)


#: "after" or "from" just before a clock time (in the folded text: no accents, Arabic
#: letters folded), or just after it in Chinese ("下午4点以后")
_AFTER_CLOCK = re.compile(
    r"(?<![^\W\d_])(?:after|from|later than|apres|a partir de|a partir d|despues de|desde|после|начиная с|"
    r"بعد(?: الساعه)?|من الساعه|sau(?: khi)?)\s*(?:the\s+|les\s+|la\s+|las\s+)?$"
)
_AFTER_CLOCK_ZH = re.compile(r"^\s*(?:以后|之后|以後|之後|后|後|起)")


def _from_clock_on(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """Where the word is that makes the clock time at ``folded[start:end]`` start the rest of
    the day ("after 4pm", "à partir de 16 h", "下午4点以后"), or None."""
    before = max(0, start - 24)
    m = _AFTER_CLOCK.search(folded[before:start])
    if m is not None:
        return before + m.start(), before + m.end()
    m = _AFTER_CLOCK_ZH.match(folded[end:end + 3])
    return (end + m.start(), end + m.end()) if m is not None else None


def _free_prepared(a: int, b: int, taken: list[tuple[int, int]], index: list[int]) -> bool:
    for x, y in taken:
        px, py = index[x], index[y - 1] + 1
        if not (b <= px or a >= py):
            return False
    return True


def _has_day_context(folded: str) -> bool:
    return bool(re.search(r"(?:on the|le|el|ngay)\s+[0-3]?\d|[0-3]?\d\s*(?:日|号)|[0-3]?\d-?го", folded))


def _default_day(today: dt.date, days: list[dt.date]) -> dt.date:
    """A part of day alone ("in the morning") means today during the event, else its first day."""
    if not days or today in days:
        return today
    upcoming = [d for d in days if d > today]
    return upcoming[0] if upcoming else today


def _weekday(n: int, today: dt.date, days: list[dt.date]) -> dt.date:
    for d in days:
        if d.weekday() == n and d >= today:
            return d
    for d in days:
        if d.weekday() == n:
            return d
    return today + dt.timedelta(days=(n - today.weekday()) % 7)


def _pick_year(month: int, day: int, today: dt.date, days: list[dt.date]) -> dt.date | None:
    years = sorted({d.year for d in days} | {today.year})
    for year in years:
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if not days or candidate in days or abs((candidate - days[0]).days) < 120:
            return candidate
    try:
        return dt.date(years[0], month, day)
    except ValueError:
        return None


def _date_from_match(m: re.Match[str], today: dt.date, days: list[dt.date]) -> dt.date | None:
    groups = m.groupdict()
    d = int(groups["d"]) if groups.get("d") else None
    if groups.get("a") is not None:
        a, b = int(groups["a"]), int(groups["b"])
        options = []
        if 1 <= a <= 31 and 1 <= b <= 12:
            options.append((b, a))
        if 1 <= b <= 31 and 1 <= a <= 12:
            options.append((a, b))
        for month, day in options:
            found = _pick_year(month, day, today, days)
            if found is not None and (not days or found in days or abs((found - days[0]).days) < 60):
                return found
        return None
    month = None
    if groups.get("mn"):
        month = int(groups["mn"])
    else:
        for i in range(12):
            if groups.get(f"m{i + 1}"):
                month = i + 1
                break
    if month is None or d is None or not 1 <= d <= 31:
        return None
    return _pick_year(month, d, today, days)


def _bare_day(d: int, today: dt.date, days: list[dt.date]) -> dt.date | None:
    for candidate in days:
        if candidate.day == d:
            return candidate
    return None


#: a bare hour in this range, without am/pm, a part of the day or a leading zero, is in the
#: afternoon: nobody meets at 4 in the morning ("on se retrouve à 4h", "a las 3 y media")
AFTERNOON_HOURS = (1, 7)


def _bare_hour(m: re.Match[str]) -> bool:
    """Whether a clock time says nothing of the half of the day: no am/pm, no 下午/晚上,
    no leading zero ("04:30" is meant as written)."""
    groups = m.groupdict()
    return not groups.get("ap") and not groups.get("pm") and not m.group("h").startswith("0")


def _clock_from_match(m: re.Match[str]) -> dt.time | None:
    groups = m.groupdict()
    hour = int(groups["h"])
    minute = int(groups.get("m") or 0) if groups.get("m") else 0
    if "half" in groups and groups["half"] is not None:
        minute = 30
    ap = (groups.get("ap") or "").replace(".", "")
    if ap == "pm" and hour < 12:
        hour += 12
    if ap == "am" and hour == 12:
        hour = 0
    if groups.get("pm") and hour < 12:
        hour += 12
    if hour > 23:
        return None
    return dt.time(hour, minute)
