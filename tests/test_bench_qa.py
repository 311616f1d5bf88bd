"""The QA benchmark's discovery of blind packs and its refusal to list their errors. The
benchmark itself never runs in the test suite: these build a throwaway blind pack in a
temporary directory (never in bench/qa/blind/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bench.qa.__main__ import blind_sets, dev_sets, main

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "packs" / "tiny"
SECRET = "a question nobody may read from the benchmark's output"


def _blind_dir(tmp_path: Path) -> Path:
    blind = tmp_path / "blind"
    shutil.copytree(TINY, blind / "alpha-summit")
    (blind / "alpha-summit.jsonl").write_text(
        json.dumps({"q": SECRET, "lang": "en", "expect": None}) + "\n", encoding="utf-8")
    shutil.copytree(TINY, blind / "no-questions")  # a pack still being written: no question file yet
    (blind / "orphan.jsonl").write_text("", encoding="utf-8")  # questions without their pack
    (blind / "notes").mkdir()
    return blind


def test_blind_packs_are_discovered_as_their_own_kind(tmp_path):
    blind = _blind_dir(tmp_path)
    found = blind_sets(blind)
    assert [(name, pack.name, questions.name) for name, pack, questions in found] == [
        ("alpha-summit", "alpha-summit", "alpha-summit.jsonl")]
    assert blind_sets(tmp_path / "nowhere") == []
    # never among the sets the engine is tuned on
    assert not any(str(pack).startswith(str(blind)) or "blind" in pack.parts for _, pack, _ in dev_sets())


def test_errors_are_never_listed_for_blind_packs(tmp_path, capsys):
    blind = _blind_dir(tmp_path)
    assert main(["--errors", "--blind-dir", str(blind)]) == 2
    assert main(["--errors", "--kind", "blind", "--blind-dir", str(blind)]) == 2
    out = capsys.readouterr()
    assert "blind" in out.err and SECRET not in out.out + out.err


def test_holdout_packs_are_neither_tuning_sets_nor_listed(capsys):
    """The hold-out packs (bench/qa/holdout/) are a validation set: never among the dev sets,
    and their errors are never listed."""
    from bench.qa.__main__ import HOLDOUT_DIR

    held = blind_sets(HOLDOUT_DIR)
    assert len(held) >= 3
    assert not {pack for _, pack, _ in held} & {pack for _, pack, _ in dev_sets()}
    assert main(["--errors", "--kind", "holdout"]) == 2
    assert "holdout" in capsys.readouterr().err


def test_an_unknown_kind_is_refused(capsys):
    try:
        main(["--kind", "secret"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("an unknown kind must stop the benchmark")
    assert "unknown kind" in capsys.readouterr().err


def test_the_four_dev_packs_are_tuning_sets() -> None:
    found = {name: pack for name, pack, _ in dev_sets()}
    for pack_id in ("johannesburg-fmcbg-2027", "lisbon-ocean-2027", "cali-biodiversity-2028", "kigali-digital-2026"):
        assert found[pack_id] == ROOT / "bench" / "qa" / "dev" / "packs" / pack_id


def test_the_language_of_dev_questions_is_read_without_false_switches() -> None:
    """bench.qa.language on the dev questions: a question is never answered in a language
    it is not written in, and most questions in another language than the setting switch."""
    from bench.qa.language import dev_questions, measure

    result = measure(dev_questions())
    assert result["questions"] >= 1800
    assert result["false_switches"] == 0
    assert result["accuracy"] >= 0.93 and result["switch_rate"] >= 0.75


def test_the_fresh_sets_and_new_hold_out_questions_name_entries_their_packs_have(tmp_path, capsys) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_questions", ROOT / "bench" / "qa" / "briefs" / "check_questions.py")
    assert spec and spec.loader
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    dev, holdout = ROOT / "bench" / "qa" / "dev", ROOT / "bench" / "qa" / "holdout"
    files = [(dev / "packs" / f.name.split(".")[0], f)
             for f in sorted([*dev.glob("*.fresh2.jsonl"), *dev.glob("*.fresh4.jsonl")])]
    files += [(holdout / name, holdout / f"{name}.jsonl")
              for name in ("addis-food-2027", "tromso-arctic-2027", "amman-refugees-2027")]
    assert len(files) == 13
    for pack, path in files:
        assert checker.check(pack, path) == 0, path.name
    # a wrong id is caught
    text = (dev / "doha-social-2026.fresh2.jsonl").read_text(encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(text.replace('"id": "wifi"', '"id": "wi-fi-typo"', 1), encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    assert checker.check(dev / "packs" / "doha-social-2026", broken) == 1
    capsys.readouterr()  # the hold-out questions are for no one's eyes: nothing is shown


def test_the_fit_weighs_fresh_sets_and_held_out_phrasings_as_asked() -> None:
    import bench.qa.fit as fit

    asked = [fit.Asked("pack", True, None, None, None, True),
             fit.Asked("pack", True, None, None, None, True, fresh=True),
             fit.Asked("pack.held-out", True, None, None, None, True)]
    before = fit.FRESH_WEIGHT
    try:
        assert [fit.weight_of(a) for a in asked] == [1.0, before, fit.HELD_OUT_WEIGHT]
        fit.set_fresh_weight(3.0)
        assert [fit.weight_of(a) for a in asked] == [1.0, 3.0, fit.HELD_OUT_WEIGHT]
    finally:
        fit.set_fresh_weight(before)


def test_the_temperature_is_chosen_on_the_fresh_sets_first_runs() -> None:
    # the dev material most like a pack nobody tuned for: the long-tuned sets' unsure
    # questions are the hard rest, and would make the model look surer than it should be
    import bench.qa.fit as fit

    tuned = fit.Asked("pack", True, None, None, None, True)
    fresh = fit.Asked("pack", True, None, None, None, True, fresh=True)
    assert fit._calibration_set([tuned, fresh], "fresh") == [fresh]
    assert fit._calibration_set([tuned, fresh], "all") == [tuned, fresh]
    assert fit._calibration_set([tuned], "fresh") == [tuned]  # no fresh set: all there is
    assert (fit.TEMPER_ON, fit.THRESHOLDS_ON) == ("fresh", "all")


def test_a_first_run_is_kept_and_replaces_only_its_own_set(tmp_path) -> None:
    from dataclasses import replace

    import numpy as np
    import pytest

    import bench.qa.fit as fit
    from bench.qa import firstrun
    from bot.answers.fusion import FEATURES

    width = len(FEATURES)
    then = [fit.Asked("p", True, np.full((2, width), 0.25), np.array([1.0, 0.0]), np.array([True, False]), False,
                      np.array([True, False]), np.array([True, True]), text="où est le vestiaire", lang="fr",
                      fresh=True, set="p.fresh", expect=(("faq", "vestiaire"),)),
            fit.Asked("p", False, None, None, None, True, text="un dentiste ?", lang="fr", fresh=True, set="p.fresh")]
    firstrun.save(then, "p.fresh", "abc1234", firstrun.path_of("p.fresh", tmp_path))
    again = tmp_path / "again"
    firstrun.save(then, "p.fresh", "abc1234", firstrun.path_of("p.fresh", again))
    assert firstrun.path_of("p.fresh", tmp_path).read_bytes() == firstrun.path_of("p.fresh", again).read_bytes()
    records = firstrun.recorded(tmp_path)
    loaded = records["p.fresh"]
    assert [a.text for a in loaded] == ["où est le vestiaire", "un dentiste ?"]
    assert np.array_equal(loaded[0].features, then[0].features) and list(loaded[0].labels) == [1.0, 0.0]
    assert list(loaded[0].answerable) == [True, False] and loaded[0].fresh and loaded[0].set == "p.fresh"
    assert loaded[0].expect == (("faq", "vestiaire"),) and loaded[1].expect is None
    assert loaded[1].features is None and loaded[1].fixed_right and not loaded[1].in_scope

    # today's candidates of that set give way to the first run's; another set's stay
    now = [fit.Asked("p", True, np.zeros((1, width)), np.array([0.0]), np.array([True]), False, text=a.text,
                     lang="fr", fresh=True, set="p.fresh", expect=a.expect) for a in then]
    other = [fit.Asked("p", True, None, None, None, True, text="x", set="p")]
    out = firstrun.apply(now + other, records)
    assert out[:2] == loaded and out[2] is other[0]
    # a set whose questions changed since its first run keeps today's
    changed = [fit.Asked("p", True, None, None, None, True, text="autre", set="p.fresh"), now[1]]
    assert firstrun.apply(changed, records) == changed
    # ... and so does one whose expected entries changed: the record's labels would be stale
    relabelled = [replace(now[0], expect=(("faq", "cloakroom"),)), now[1]]
    assert firstrun.apply(relabelled, records) == relabelled

    # a record made before the intent features gets them from today's reading of the question
    import gzip
    import json

    from bot.answers.fusion import BASE_FEATURES
    base = np.zeros((2, len(BASE_FEATURES)))
    base[0, BASE_FEATURES.index("type_place")] = 1.0  # a room, then an FAQ entry
    older = [replace(then[0], features=base), then[1]]
    firstrun.save(older, "p.fresh", "abc1234", firstrun.path_of("p.fresh", again))
    header = gzip.decompress(firstrun.path_of("p.fresh", again).read_bytes()).decode("utf-8").splitlines()
    lines_old = [header[0].replace(json.dumps(list(FEATURES))[1:-1], json.dumps(list(BASE_FEATURES))[1:-1]), *header[1:]]
    firstrun.path_of("p.fresh", again).write_bytes(gzip.compress(("\n".join(lines_old) + "\n").encode("utf-8")))
    asked_where = [replace(a, intents=frozenset({"where"})) for a in now]
    widened = firstrun.apply(asked_where, firstrun.recorded(again))[0]
    assert widened.features.shape == (2, width)
    assert list(widened.features[:, FEATURES.index("where_place")]) == [1.0, 0.0]

    # a record of other features is refused, not misread
    path = firstrun.path_of("p.fresh", tmp_path)
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()
    lines[0] = lines[0].replace('"lex_conf"', '"lex_confidence"')
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    with pytest.raises(SystemExit):
        firstrun.recorded(tmp_path)


def test_every_recorded_first_run_matches_its_question_file() -> None:
    from bench.qa import firstrun
    from bench.qa.evaluate import load_questions

    records = firstrun.recorded()
    assert records, "the fresh sets' first runs are recorded in bench/qa/dev/first-run/"
    sets = {name: qpath for name, _, qpath in dev_sets()}
    for name, asked in records.items():
        assert name in sets, f"{name}: no such dev set"
        questions = load_questions(sets[name], None, None)
        assert [q.q for q in questions] == [a.text for a in asked], name
        assert [q.expect is not None for q in questions] == [a.in_scope for a in asked], name
        # its labels are today's question file's: a corrected `expect` needs the set recorded again
        assert [None if q.expect is None else tuple(q.expect) for q in questions] == [a.expect for a in asked], name
