"""The keyword reader searches each table as one compiled alternation: the same answers as
searching its patterns one by one, on every example the NLU is trained with."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from nlu import fallback

DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"


def _examples() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip().lstrip("- "))
                if line:
                    texts.append(line)
    return texts


def test_each_table_answers_as_its_patterns_one_by_one():
    tables = [value for name, value in vars(fallback).items()
              if name.endswith("_PATTERNS") and isinstance(value, list)
              and all(isinstance(p, str) for p in value)]
    tables += [patterns for _, patterns in fallback.LIFE_PATTERNS]
    texts = _examples()
    assert len(tables) > 10 and len(texts) > 500
    matched = 0
    for text in texts:
        for words in {fallback.normalize(text).replace("'", " "), fallback._danger_text(text)}:
            for patterns in tables:
                expected = any(re.search(p, words) for p in patterns)
                assert fallback._any(patterns, words) == expected, (patterns, words)
                matched += expected
    assert matched > 100  # the tables do match these texts: the comparison means something
