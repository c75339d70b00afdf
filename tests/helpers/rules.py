"""What several rules tests share: the ids the contract promises, and the reference cases."""

from __future__ import annotations

from pathlib import Path

import yaml

CASES_DIR = Path(__file__).resolve().parents[1] / "rules" / "cases"

CONTRACT_IDS = {
    "rsa", "prime_activite", "aide_logement", "css", "allocations_familiales", "asf", "paje",
    "aspa", "aah", "cheque_energie", "strasbourg_tarification_solidaire_transport",
}


def load_cases():
    return [
        (path.stem, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(CASES_DIR.glob("*.yaml"))
    ]
