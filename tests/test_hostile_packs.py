"""Hostile content packs: bombs are refused with ``file:line: (limits): ...``, never crash.

A pack is YAML written by people and ``/reload`` reads it inside the running bot. Before
the limits of :mod:`bot.catalog.limits`, YAML nested 50,000 deep killed the process
(SIGSEGV in the composer), 900 levels raised an uncaught RecursionError and a dozen lines of
anchors ("billion laughs") took gigabytes. Each bomb here goes through ``python -m bot
content check`` in a child process held to a memory ceiling and a CPU-time budget by
``resource`` limits (so the bounds are measured by the kernel, not by a wall clock), and
through ``/reload`` in the running bot against the emulator.
"""

from __future__ import annotations

import random
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalog import limits
from bot.catalog.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_TEXT_CHARS, MAX_VALUES
from bot.catalog.loader import check_pack
from bot.catalog.problems import LIMITS_FIELD
from bot.catalog.yamlsource import YamlLimitError, YamlSyntaxError, parse
from bot.i18n import translator
from tests.support import running_bot

ROOT = Path(__file__).resolve().parents[1]
PACKS = Path(__file__).parent / "data" / "packs"
TINY = PACKS / "tiny"
MINI = PACKS / "qa-mini"
LINE_FORMAT = re.compile(r"^\S[^:]*:\d+: \S+: .+$")
#: the ceiling of the child process's address space; ``content check`` of the demo pack
#: needs about 45 MB resident (300 MB of address space with the libraries mapped)
MEMORY_CEILING = 768 * 1024 * 1024
#: CPU seconds (not wall-clock: the machine may be loaded) the child may use
CPU_BUDGET = 60


# ---- the bombs -------------------------------------------------------------------------


def deep(levels: int) -> str:
    """A FAQ entry that is a list nested ``levels`` deep, on line 2."""
    return "faq:\n  - " + "[" * levels + "]" * levels + "\n"


def deep_block(levels: int) -> str:
    """Block-style mappings nested ``levels`` deep (one per line: the problem's line says where)."""
    return "faq:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(levels)) + "  " * (levels + 1) + "x\n"


def laughs(rounds: int = 9) -> str:
    """The billion laughs: nine lists of nine aliases of the one before, 9**rounds values."""
    lines = ["lol:", '  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, rounds + 1):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append(f"faq: *a{rounds}")
    return "\n".join(lines) + "\n"


def long_text_laughs() -> str:
    """Few values, but one long text repeated through aliases past the characters allowed."""
    text = "x" * (MAX_TEXT_CHARS // 64 + 1)
    return f'text: &t "{text}"\nmore: &m [' + ", ".join(["*t"] * 16) + "]\nfaq: [" + ", ".join(["*m"] * 4) + "]\n"


def many_values() -> str:
    """No alias at all, just more values than a file may hold (in far less than 4 MiB): rows
    of a list and 999 numbers, 1,000 values a row; the row on line ``MAX_VALUES // 1000 + 1``
    crosses the limit (``faq``, its key and its list are three more)."""
    rows = MAX_VALUES // 1000 + 1
    return "faq:\n" + "".join("  - [" + ",".join(["1"] * 999) + "]\n" for _ in range(rows))


def self_alias() -> str:
    return "faq: &loop\n  - id: x\n    related: *loop\n"


def too_big() -> bytes:
    comment = b"# " + b"padding " * 15 + b"\n"
    return b"faq: []\n" + comment * (MAX_FILE_BYTES // len(comment) + 1)


def bombs() -> list[tuple[str, Callable[[], str | bytes], int, str]]:
    """(name, the faq.yaml, the line the problem must name, words the message must have)."""
    return [
        ("nested 50,000 deep", lambda: deep(50_000), 2, f"more than {MAX_DEPTH} deep"),
        ("nested 950 deep", lambda: deep(950), 2, f"more than {MAX_DEPTH} deep"),
        ("block mappings nested one level too deep", lambda: deep_block(MAX_DEPTH), MAX_DEPTH + 1,
         f"more than {MAX_DEPTH} deep"),
        ("billion laughs", laughs, 7, "the alias *a4"),
        ("a long text through aliases", long_text_laughs, 3, "characters of text"),
        ("too many values", many_values, MAX_VALUES // 1000 + 1, f"{MAX_VALUES:,} values"),
        ("an alias inside what it names", self_alias, 3, "the alias *loop"),
        ("a file over 4 MiB", too_big, 1, f"at most {MAX_FILE_BYTES:,} bytes"),
    ]


def pack_with(tmp_path: Path, faq: str | bytes, base: Path = TINY) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(base, pack)
    data = faq.encode("utf-8") if isinstance(faq, str) else faq
    (pack / "faq.yaml").write_bytes(data)
    return pack


def _limited() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_BUDGET, CPU_BUDGET))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def content_check(pack: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bot content check`` in a child process held to the limits above."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", str(pack)],
        cwd=ROOT, capture_output=True, text=True, preexec_fn=_limited, timeout=600,
    )


# ---- content check -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "line", "words"), bombs(), ids=[b[0] for b in bombs()])
def test_content_check_refuses_each_bomb_within_bounded_memory_and_time(
    tmp_path: Path, name: str, make: Callable[[], str | bytes], line: int, words: str
) -> None:
    pack = pack_with(tmp_path, make())
    done = content_check(pack)
    # a crash shows as a negative status (the signal: SIGSEGV, SIGKILL, SIGXCPU) or a traceback
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    expected = f"{pack / 'faq.yaml'}:{line}: {LIMITS_FIELD}: "
    found = [row for row in done.stdout.splitlines() if row.startswith(expected)]
    assert len(found) == 1 and words in found[0], (expected, done.stdout[:2000])
    assert all(LINE_FORMAT.match(row) for row in done.stdout.splitlines()), done.stdout[:2000]
    # the rest of the pack is still checked: the other files have no problem to report
    assert all("/faq.yaml:" in row for row in done.stdout.splitlines())


def test_a_link_to_an_endless_device_is_not_read(tmp_path: Path) -> None:
    pack = pack_with(tmp_path, "faq: []\n")
    (pack / "faq.yaml").unlink()
    (pack / "faq.yaml").symlink_to("/dev/zero")
    done = content_check(pack)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"{pack / 'faq.yaml'}:1: (file): not a regular file" in done.stdout.splitlines()


def test_the_limits_refuse_only_what_crosses_them() -> None:
    # exactly the depth allowed (the document's own mapping is level 1) reads; one more does not
    assert parse(deep_block(MAX_DEPTH - 1)).data is not None
    with pytest.raises(YamlLimitError) as info:
        parse(deep_block(MAX_DEPTH))
    assert info.value.line == MAX_DEPTH + 1
    # an alias is as deep as what it names, where it is used
    nested = "{a: " * 10 + "x" + "}" * 10  # ten levels, used under the document and lists

    def used_under(lists: int) -> str:
        return f"base: &n {nested}\nx: " + "[" * lists + "*n" + "]" * lists + "\n"

    assert parse(used_under(MAX_DEPTH - 11)).data["base"] is not None
    with pytest.raises(YamlLimitError) as info:
        parse(used_under(MAX_DEPTH - 10))
    assert "the alias *n" in info.value.message and info.value.line == 2
    # eight rounds of nine laughs (43 million values) are refused, four rounds (59,049) read
    assert len(parse(laughs(4)).data["faq"]) == 9
    with pytest.raises(YamlLimitError):
        parse(laughs(8))


def test_honest_anchors_and_merge_keys_still_load(tmp_path: Path) -> None:
    """Anchors for repeated texts are how authors avoid copying: they must keep working."""
    faq = (TINY / "faq.yaml").read_text(encoding="utf-8")
    faq = faq.replace('answer: {en: "Take the shuttle.", fr: "Prenez la navette."}',
                      'answer: &shuttle {en: "Take the shuttle.", fr: "Prenez la navette."}', 1)
    faq = faq.replace('answer: {en: "Yes: network TINY.", fr: "Oui\u00a0: réseau TINY."}',
                      'answer:\n      <<: *shuttle\n      en: "Yes: network TINY."', 1)
    assert faq.count("shuttle") >= 2
    result = check_pack(pack_with(tmp_path, faq))
    assert result.ok, result.lines()
    assert result.pack is not None
    assert result.pack.faq_entry("wifi").answer.get("fr") == "Prenez la navette."
    assert result.pack.faq_entry("wifi").answer.get("en") == "Yes: network TINY."


def test_the_demo_pack_is_far_from_every_limit() -> None:
    for file in sorted((ROOT / "content" / "hanoi-2025").glob("*.yaml")):
        assert file.stat().st_size * 8 < MAX_FILE_BYTES, file
        parsed = parse(file.read_text(encoding="utf-8"))
        depth = _depth(parsed.data)
        assert depth * 4 < MAX_DEPTH, (file, depth)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_the_pack_format_documentation_states_the_limits() -> None:
    doc = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    assert f"{MAX_FILE_BYTES // (1024 * 1024)} MiB" in doc
    assert f"{MAX_DEPTH} levels" in doc
    assert f"{MAX_VALUES:,} values" in doc
    assert f"{MAX_TEXT_CHARS // 1_000_000} million characters" in doc
    assert "bot/catalog/limits.py" in doc and limits.__file__.endswith("bot/catalog/limits.py")


# ---- anything at all: a reported problem, never an exception -------------------------------

TOKENS = [
    "&a ", "*a", "<<: *a\n", "!!binary ", "!!set ", "!!omap ", "!!pairs ", "!!timestamp ", "!!int ",
    "!!float ", "!!bool ", "!!python/object:os.system ", "!custom ", "? ", "[", "]", "{", "}", ",",
    ":", "- ", "\t", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "|", ">-", "'", '"',
    "\\", "#", "\x00", "\x85", "\u2028", "\ufeff", "\u202e", "~", "null", "9999-99-99",
    "2025-13-45T99:99", "1e999", "0x" + "f" * 40, "9" * 5000, ".nan", "-.inf", "yes", "0o777",
    "2025-10-25T09:00+25:00", "\n  ", "\n", " ", "@", "`", "!", "%", "&a [*a]", "&b {x: *b}",
    "{? [a]: b}", "{? {a: 1}: b}", "[" * 40, "{a: " * 40, "*undefined", "&a 1\n&a 2", "- id: x\n",
    "id: ", "en: ", "fr: ", "related: ", "start: ", "room: ", "languages: ", "timezone: ",
]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 6)):
        choice, pos = rng.random(), rng.randrange(len(text) + 1)
        if choice < 0.45:
            text = text[:pos] + rng.choice(TOKENS) + text[pos:]
        elif choice < 0.6:
            text = text[:pos] + text[pos + rng.randint(1, 40):]
        elif choice < 0.8:
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines)), rng.choice(lines))
            text = "\n".join(lines)
        else:
            text = text[:pos] + chr(rng.randrange(0x20, 0x3000)) + text[pos:]
    return text


def test_hundreds_of_mutated_packs_only_ever_give_reported_problems(tmp_path: Path) -> None:
    rng = random.Random(20251025)
    originals = {f.name: f.read_text(encoding="utf-8") for f in TINY.glob("*.yaml")}
    pack = tmp_path / "pack"
    shutil.copytree(TINY, pack)
    refused = 0
    for case in range(400):
        for name, text in originals.items():
            if rng.random() < 0.5:
                text = mutate(text, rng)
            elif case % 7 == 0:  # now and then, random bytes instead of YAML
                text = "".join(chr(rng.randrange(1, 0x800)) for _ in range(rng.randrange(200)))
            (pack / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            result = check_pack(pack)
        except Exception as exc:  # pragma: no cover - the failure shows the case
            raise AssertionError(f"case {case} raised {exc!r}: {[(pack / n).read_bytes()[:3000] for n in originals]}") from exc
        assert (result.pack is None) == bool(result.errors)
        for row in result.lines():
            assert LINE_FORMAT.match(row), (case, row)
        refused += not result.ok
    assert refused > 100  # the mutations did break packs: the check is not vacuous


def test_random_yaml_documents_only_ever_give_a_syntax_problem_or_data() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(TOKENS) if rng.random() < 0.7 else rng.choice("ab1: -\n") for _ in range(rng.randrange(1, 60)))
        try:
            parse(text)
        except YamlSyntaxError as exc:
            assert exc.line >= 1 and exc.message


# ---- /reload in the running bot ------------------------------------------------------------


async def test_reload_of_a_bomb_reports_the_problem_and_the_old_pack_keeps_serving(
    database_url: str, tmp_path: Path
) -> None:
    pack_dir = tmp_path / "pack"
    shutil.copytree(MINI, pack_dir)
    faq = pack_dir / "faq.yaml"
    good = faq.read_text(encoding="utf-8")
    fr = translator("fr")
    async with running_bot(database_url, content_dir=pack_dir, organiser_ids=(901,)) as bot:
        version = bot.services.content.current.pack.version
        organiser = bot.user(901, "Organisatrice", language_code="fr")
        delegate = bot.user(902, "Delegate", language_code="en")
        await delegate.send("How do I get from the airport to my hotel?")
        before = (await delegate.reply()).text
        assert "JKIA Terminal 1A" in before

        for bomb, line in ((deep(50_000), 2), (laughs(), 7)):
            faq.write_text(bomb, encoding="utf-8")
            await organiser.command("reload")
            refused = await organiser.reply(timeout=30)
            header = fr.ngettext(
                "The content pack has {n} problem and was not loaded; the previous version stays in service:\n{problems}",
                "The content pack has {n} problems and was not loaded; the previous version stays in service:\n{problems}",
                1,
            ).format(n=fr.number(1), problems="")
            assert header in refused.text, refused.text
            assert f"{faq}:{line}: {LIMITS_FIELD}: " in refused.text, refused.text
            assert bot.services.content.current.pack.version == version

        # the bot still answers from the pack it had
        await delegate.send("How do I get from the airport to my hotel?")
        assert (await delegate.reply()).text == before
        # and a mended pack loads again
        faq.write_text(good.replace("JKIA Terminal 1A", "JKIA Terminal 1B", 1), encoding="utf-8")
        await organiser.command("reload")
        done = await organiser.reply(timeout=60)
        assert bot.services.content.current.pack.version != version, done.text
        await delegate.send("How do I get from the airport to my hotel?")
        assert "JKIA Terminal 1B" in (await delegate.reply()).text
        assert not bot.emulator.errors
