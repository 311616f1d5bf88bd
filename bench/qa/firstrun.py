"""``python -m bench.qa.firstrun SET...``: keep a fresh set's candidates as its first run saw them.

A fresh dev set (``bench/qa/dev/<pack>.fresh*.jsonl``) is written blind, like a new pack's
questions; its first run is the only time the engine meets it as it meets a pack nobody
tuned for. Then its misses teach the lexicon new words, and from then on the same
questions look easier than a new pack's: the words account for them with more confidence,
fewer of their words are unknown to the pack. A decision model fitted on them as they are
now learns that the words are more reliable, and an unknown word more often a sign of an
out-of-scope question, than on an unseen pack, and refuses there what it should answer.

So each fresh set's first run is recorded here (``bench/qa/dev/first-run/<set>.jsonl.gz``:
per question, its candidates' features and which of them are right, with the commit the
engine was at), and :func:`apply` gives the fit (:mod:`bench.qa.fit`) those candidates
instead of today's. Record a new fresh set *before* tuning anything on it::

    python -m bench.qa.firstrun almaty-water-2027.fresh3

The features are the engine's of that commit: the file keeps the feature names and the
fit refuses a record whose names differ from :data:`bot.answers.fusion.FEATURES`, but for
one recorded before the intent features (:data:`bot.answers.fusion.BASE_FEATURES`): those
are added from the question's intents as today's engine reads them (:func:`apply`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from bench.qa.__main__ import DEV_DIR, dev_sets, warm_process
from bench.qa.fit import Asked, collect
from bot.answers.fusion import BASE_FEATURES, FEATURES, with_intents

FIRST_RUN_DIR = DEV_DIR / "first-run"


def path_of(set_name: str, directory: Path = FIRST_RUN_DIR) -> Path:
    return directory / f"{set_name}.jsonl.gz"


def _row(a: Asked) -> dict[str, object]:
    row: dict[str, object] = {"q": a.text, "lang": a.lang, "in_scope": a.in_scope,
                              "expect": None if a.expect is None else [list(e) for e in a.expect]}
    if a.features is None:
        row["fixed_right"] = a.fixed_right
        return row
    row["x"] = [[round(float(v), 5) for v in c] for c in a.features]
    for name in ("labels", "answerable", "faq", "fits"):
        value = getattr(a, name)
        if value is not None:
            row[name] = [int(v) for v in value]
    return row


def save(asked: list[Asked], set_name: str, commit: str, path: Path) -> None:
    """One set's questions (``asked``, in the file's order) with the commit they were run at."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"set": set_name, "commit": commit, "features": list(FEATURES), "questions": len(asked)})]
    lines += [json.dumps(_row(a), ensure_ascii=False) for a in asked]
    # mtime=0: the same candidates give the same bytes
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))


def load(path: Path) -> list[Asked]:
    """A recorded set's questions as the fit takes them."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        if tuple(header["features"]) not in (FEATURES, BASE_FEATURES):
            raise SystemExit(f"{path}: recorded with other features than the engine's: record it again")
        name = header["set"]
        asked = []
        for line in f:
            row = json.loads(line)
            expect = row.get("expect")
            common = {"text": row["q"], "lang": row["lang"], "fresh": ".fresh" in name, "set": name,
                      "expect": None if expect is None else tuple((str(t), str(i)) for t, i in expect)}
            pack = name.split(".")[0]
            if "x" not in row:
                asked.append(Asked(pack, row["in_scope"], None, None, None, bool(row["fixed_right"]), **common))
                continue
            arrays = {k: np.array(row[k], dtype=bool) for k in ("answerable", "faq", "fits") if k in row}
            asked.append(Asked(pack, row["in_scope"], np.array(row["x"], dtype=float), np.array(row["labels"], dtype=float),
                               arrays["answerable"], False, arrays.get("faq"), arrays.get("fits"), **common))
    if len(asked) != header["questions"]:
        raise SystemExit(f"{path}: {len(asked)} questions, the header says {header['questions']}")
    return asked


def recorded(directory: Path = FIRST_RUN_DIR) -> dict[str, list[Asked]]:
    """Every recorded set, by its name."""
    return {p.name.removesuffix(".jsonl.gz"): load(p) for p in sorted(directory.glob("*.jsonl.gz"))}


def apply(asked: list[Asked], records: dict[str, list[Asked]]) -> list[Asked]:
    """``asked`` with each recorded set's questions as its first run saw them. A set whose
    question file changed since (other questions, or other expected entries: the record's
    labels would be stale) keeps today's candidates."""
    out: list[Asked] = []
    by_set: dict[str, list[Asked]] = {}
    for a in asked:
        by_set.setdefault(a.set, []).append(a)
    for name, questions in by_set.items():
        first = records.get(name) if name else None
        if first is not None and len(first) == len(questions) and all(
                f.text == q.text and f.expect == q.expect for f, q in zip(first, questions, strict=True)):
            for f, q in zip(first, questions, strict=True):
                f.intents = q.intents
                if f.features is not None and f.features.shape[1] == len(BASE_FEATURES):
                    # recorded before the intent features: those from today's reading of its intents
                    f.features = with_intents(f.features, q.intents)
            out.extend(first)
        else:
            out.extend(questions)
    return out


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=DEV_DIR).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", ":/bot"], capture_output=True, text=True,
                               cwd=DEV_DIR).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.firstrun", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", help="question files' names, as bench/qa/dev/<name>.jsonl")
    parser.add_argument("--force", action="store_true", help="record again a set already recorded")
    parser.add_argument("--as", dest="label", help="the commit to write in the header (python -m bench.qa.rerecord: "
                                                      "an earlier commit's engine with today's model)")
    args = parser.parse_args(argv)
    known = {name: (name, pack_dir, qpath) for name, pack_dir, qpath in dev_sets()}
    for name in args.sets:
        if name not in known:
            parser.error(f"no dev set {name} (bench/qa/dev/{name}.jsonl with its pack)")
        if path_of(name).exists() and not args.force:
            parser.error(f"{name} is recorded already: its first run is past (--force records it again)")
    warm_process()
    commit = args.label or _commit()
    for name in args.sets:
        save(collect([known[name]]), name, commit, path_of(name))
        print(f"written {path_of(name)} (at {commit})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
