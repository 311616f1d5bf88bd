"""How big a content pack file may be: limits no honest pack comes near and every hostile one hits.

A pack is YAML written by people, and ``/reload`` reads it inside the running bot, so a
file must not be able to crash the process (nesting 50,000 deep overflows the C stack of
the YAML composer), exhaust Python's recursion limit (900 levels), or expand a few lines
of anchors and aliases (the "billion laughs") into gigabytes. The reader
(:mod:`bot.catalog.yamlsource`) checks these limits on the parser's event stream, before a
single node is composed or an alias expanded, and each crossing is reported as
``file:line: (limits): what is wrong``.

For scale, the demo pack (``content/hanoi-2025``, seven languages): its largest file is
365 KB with 5,098 values, nested at most 6 deep. The documentation of the pack format
(``docs/content-format.md``) states these numbers; ``tests/test_hostile_packs.py`` keeps
the two in step.
"""

from __future__ import annotations

#: bytes in one pack file (4 MiB): eleven times the demo's largest file
MAX_FILE_BYTES = 4 * 1024 * 1024
#: mappings and lists nested inside one another (the document itself is level 1); the demo
#: needs 6. An alias counts as deep as what it names, where it is used.
MAX_DEPTH = 32
#: values (mappings, lists and scalars) in one file, each alias counted as everything it
#: names: forty times the demo's largest file
MAX_VALUES = 200_000
#: characters of scalar text in one file, each alias counted as everything it names
#: (four times what a file of the maximum size can hold without aliases)
MAX_TEXT_CHARS = 4 * MAX_FILE_BYTES
