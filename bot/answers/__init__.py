"""Question answering over a content pack, in the seven languages of the bot.

    from bot.answers import AnswerEngine
    engine = AnswerEngine(pack)                 # builds the index
    answer = engine.ask("où est la salle de prière ?", "fr", now)
    answer.match        # Match(type, id, score) or None when not sure
    answer.alternatives # the "did you mean" entries, best first
    answer.sessions     # for time questions ("what's next?", "tomorrow morning")

Services and handlers render an :class:`Answer` with :func:`bot.answers.compose.compose`.
Nothing here imports telegram.
"""

from bot.answers.engine import Answer, AnswerEngine, AnswerKind, Match
from bot.answers.index import EntryType

__all__ = ["Answer", "AnswerEngine", "AnswerKind", "EntryType", "Match"]
