"""``liaison.yaml``: what a delegate may ask a liaison officer for, and the officers' quick replies.

The file is optional. The categories a pack offers are, in this order of preference:

1. ``liaison.yaml``'s ``categories`` (each ``{id, name, urgent}``);
2. else ``event.yaml``'s ``liaison_categories`` (format v1, never urgent unless marked);
3. else :data:`DEFAULT_CATEGORIES`: transport, medical (urgent), security (urgent), other,
   named in the seven languages, so a pack without either still lets delegates ask.

``quick_replies`` (``{id, text, categories}``) are the ready answers an officer sends with
one tap, rendered in the delegate's language; ``categories`` limits one to those requests.
"""

from __future__ import annotations

from bot.catalog.checks import Collected, Reporter, Source
from bot.catalog.messages import suggest
from bot.catalog.models import LiaisonCategory, Text


def _text(**names: str) -> Text:
    return Text.model_validate(names)


#: the categories of a pack that names none (see the module's docstring)
DEFAULT_CATEGORIES: tuple[LiaisonCategory, ...] = (
    LiaisonCategory(id="transport", name=_text(
        en="Transport", fr="Transport", es="Transporte", ru="Транспорт", ar="النقل", zh="交通", vi="Đi lại")),
    LiaisonCategory(id="medical", urgent=True, name=_text(
        en="Medical assistance", fr="Assistance médicale", es="Asistencia médica", ru="Медицинская помощь",
        ar="المساعدة الطبية", zh="医疗协助", vi="Hỗ trợ y tế")),
    LiaisonCategory(id="security", urgent=True, name=_text(
        en="Security", fr="Sécurité", es="Seguridad", ru="Безопасность", ar="الأمن", zh="安保", vi="An ninh")),
    LiaisonCategory(id="other", name=_text(
        en="Other request", fr="Autre demande", es="Otra solicitud", ru="Другой вопрос", ar="طلب آخر",
        zh="其他事项", vi="Yêu cầu khác")),
)


def check_liaison(src: Source, c: Collected, report: Reporter) -> None:
    """What liaison.yaml's items say of each other and of event.yaml (the loader read them)."""
    if c.liaison and c.event is not None and c.event.obj.liaison_categories:
        report.at(src, ("categories",), "liaison.yaml's categories replace event.yaml's liaison_categories: "
                  "keep them in one place", warning=True)
    known = {p.obj.id for p in c.liaison} or {p.id for p in effective_categories(c)}
    for placed in c.quick_replies:
        for index, category in enumerate(placed.obj.categories):
            if category not in known:
                report.at(placed.src, (*placed.path, "categories", index),
                          f"unknown liaison category '{category}'" + suggest(category, known))


def effective_categories(c: Collected) -> list[LiaisonCategory]:
    if c.liaison:
        return [p.obj for p in c.liaison]
    if c.event is not None and c.event.obj.liaison_categories:
        return list(c.event.obj.liaison_categories)
    return list(DEFAULT_CATEGORIES)
