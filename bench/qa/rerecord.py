"""``python -m bench.qa.rerecord --patch FILE... --label NAME [--maps DIR] [SET...]``: record
fresh sets' first runs again, each at its own commit, with a change to the model applied.

A first run (:mod:`bench.qa.firstrun`) keeps a fresh set's candidates as the engine saw them
before any word was tuned on it; the decision model is fitted on those. A change to what
the model contributes (its features) makes every record stale, and recording a set at
today's commit would not do: the words have learnt from it since. So, for each commit the
records name (``abc1234`` or ``abc1234+pooled``: the part before ``+``), this script

1. adds a worktree of today's commit (today's benchmark and question files), with the
   main checkout's ``.venv`` and embedding cache;
2. puts back that commit's ``bot/`` (``git checkout <commit> -- bot/``: the words, the
   engine and the lexicon as they were; files added since stay);
3. applies each ``--patch`` in order (a patch already there, as the pooling is from
   ``ac231d1`` on, is skipped: it reverses cleanly, or the commit descends from the one
   named after the patch's ``@``, ``--patch pooled.patch@c953bf2``, for code that has moved
   on since), so that only the model's side is today's;
4. records the commit's sets again (``python -m bench.qa.firstrun --force``), each with the
   question map fitted without its pack (``--maps DIR/<pack>.npy`` from
   ``python -m bench.qa.question_map --folds DIR``: a map that saw the pack's questions would
   make the model look better than on a new pack), and writes the header
   ``<commit>+<label>``;
5. copies the records into ``bench/qa/dev/first-run/`` and removes the worktree.

Check afterwards that the words' features did not move (bench/qa/dev/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.qa.firstrun import FIRST_RUN_DIR, path_of

ROOT = Path(__file__).resolve().parents[2]

RUN = """
import sys
from pathlib import Path
from bench.qa import fit
fit.MAPS = Path({maps!r}) if {maps!r} else None
from bench.qa.firstrun import main
sys.exit(main({args!r}))
"""

def base_commit(set_name: str) -> str:
    with gzip.open(path_of(set_name), "rt", encoding="utf-8") as f:
        return str(json.loads(f.readline())["commit"]).split("+")[0]


def git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def has(commit: str, since: str | None) -> bool:
    """Whether ``commit`` is ``since`` or descends from it."""
    return since is not None and git("merge-base", "--is-ancestor", since, commit).returncode == 0


def prepare(commit: str, patches: list[tuple[Path, str | None]], where: Path) -> None:
    """A worktree of today's commit with ``commit``'s bot/ and the patches."""
    done = git("worktree", "add", "--detach", str(where), "HEAD")
    if done.returncode:
        raise SystemExit(done.stderr)
    (where / ".venv").symlink_to(ROOT / ".venv")
    (where / "var").mkdir(exist_ok=True)
    (where / "var" / "cache").symlink_to(ROOT / "var" / "cache")
    if git("checkout", commit, "--", "bot/", cwd=where).returncode:
        raise SystemExit(f"cannot check out {commit}'s bot/")
    for patch, since in patches:
        if has(commit, since) or git("apply", "--check", "-R", str(patch), cwd=where).returncode == 0:
            print(f"  {commit}: {patch.name} is there already", flush=True)
            continue
        applied = git("apply", "-3", str(patch), cwd=where)
        if applied.returncode:
            raise SystemExit(f"{patch} does not apply at {commit}:\n{applied.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.qa.rerecord", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", help="recorded sets (default: all)")
    parser.add_argument("--patch", action="append", default=[],
                        help="a patch to apply to each commit's bot/ (FILE@COMMIT: not to COMMIT and its descendants)")
    parser.add_argument("--label", required=True, help="what the header adds to the commit (<commit>+<label>)")
    parser.add_argument("--maps", help="a folder of question maps per pack (python -m bench.qa.question_map --folds)")
    args = parser.parse_args(argv)
    names = args.sets or sorted(p.name.removesuffix(".jsonl.gz") for p in FIRST_RUN_DIR.glob("*.jsonl.gz"))
    by_commit: dict[str, list[str]] = {}
    for name in names:
        by_commit.setdefault(base_commit(name), []).append(name)
    patches = [(Path(p.partition("@")[0]).resolve(), p.partition("@")[2] or None) for p in args.patch]
    for commit, sets in sorted(by_commit.items()):
        where = Path(tempfile.mkdtemp(prefix=f"rerecord-{commit}-")) / "tree"
        try:
            prepare(commit, patches, where)
            maps = str(Path(args.maps).resolve()) if args.maps else ""
            code = RUN.format(maps=maps, args=[*sets, "--force", "--as", f"{commit}+{args.label}"])
            if subprocess.run([str(where / ".venv" / "bin" / "python"), "-c", code], cwd=where).returncode:
                raise SystemExit(f"recording {sets} at {commit} failed")
            for name in sets:
                shutil.copyfile(where / "bench" / "qa" / "dev" / "first-run" / f"{name}.jsonl.gz", path_of(name))
                print(f"recorded {name} at {commit}+{args.label}", flush=True)
        finally:
            git("worktree", "remove", "--force", str(where))
            shutil.rmtree(where.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
