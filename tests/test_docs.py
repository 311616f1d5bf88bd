"""The README and every document it links are in the repository, and every link resolves.

A newcomer reads the README on a fresh clone: a link to a file outside the repository (the
README once sent readers to ``../shared/DESIGN.md``) leads nowhere.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
#: a file named in backquotes, e.g. `content/hanoi-2025/README.md`
NAMED = re.compile(r"`([\w./-]+\.md)`")


def _targets(doc: Path) -> list[tuple[str, Path]]:
    text = doc.read_text(encoding="utf-8")
    found = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        found.append((target, (doc.parent / target).resolve()))
    for name in NAMED.findall(text):
        here, top = (doc.parent / name).resolve(), (ROOT / name).resolve()
        found.append((name, here if here.exists() or not top.exists() else top))
    return found


def test_the_readme_and_the_documents_it_links_are_all_in_the_repository() -> None:
    seen: set[Path] = set()
    todo = [ROOT / "README.md"]
    while todo:
        doc = todo.pop()
        if doc in seen:
            continue
        seen.add(doc)
        for target, path in _targets(doc):
            assert path.is_relative_to(ROOT), f"{doc.relative_to(ROOT)} points outside the repository: {target}"
            assert path.exists(), f"{doc.relative_to(ROOT)} links to {target}, which does not exist"
            if path.suffix == ".md":
                todo.append(path)
    assert ROOT / "docs" / "content-format.md" in seen  # the pack format is reachable from the README
