"""Every stylesheet closes what it opens, and each section starts at the top level: a block left open by a merge
swallows every rule after it (the footer went unstyled once, inside a phone-only media query)."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"
SHEETS = sorted(path for path in STATIC.rglob("*.css") if "vendor" not in path.parts)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: str(path.relative_to(STATIC)))
def test_every_block_is_closed_and_every_section_starts_at_the_top(sheet):
    text = re.sub(r"/\*.*?\*/", lambda comment: "\n" * comment.group().count("\n"), sheet.read_text(), flags=re.S)
    section_lines = {n for n, line in enumerate(sheet.read_text().splitlines(), 1) if re.match(r"/\* ", line)}
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        if n in section_lines:
            assert depth == 0, f"{sheet.name}:{n} starts a section inside an open block"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet.name}:{n} closes a block that was never opened"
    assert depth == 0, f"{sheet.name} leaves {depth} block(s) open"
