"""Commune codes: a postcode or an INSEE code -> the INSEE code OpenFisca needs (``depcom``).

Only the Eurométropole de Strasbourg's postcodes are known (``data/communes_ems.yaml``); any
other 5-character code is taken as an INSEE code. Known postcodes win over INSEE codes because
residents give postcodes: "67118" is Geispolsheim's postcode and also Eckbolsheim's INSEE code,
and we read it as Geispolsheim (both are in zone 2 for housing aid, so the estimate is the same).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

DATA_FILE = Path(__file__).parent / "data" / "communes_ems.yaml"

# 5 digits, or Corsica's 2A/2B followed by 3 digits.
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


@lru_cache(maxsize=1)
def _table():
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    postcodes: dict[str, str] = {}
    names: dict[str, str] = {}
    for commune in data["communes"]:
        names[commune["insee"]] = commune["name"]
        for postcode in commune["postcodes"]:
            postcodes.setdefault(postcode, commune["insee"])  # first (most populous) wins
    return data["epci_siren"], postcodes, names


EMS_SIREN = _table()[0]
EMS_INSEE_CODES = sorted(_table()[2])


def resolve_commune(code: str) -> str | None:
    """Return the INSEE code for a postcode or INSEE code, or None if it is not a valid code."""
    code = str(code).strip().upper()
    _, postcodes, _ = _table()
    if code in postcodes:
        return postcodes[code]
    if INSEE_RE.match(code):
        return code
    return None


def commune_name(insee: str) -> str | None:
    return _table()[2].get(insee)
