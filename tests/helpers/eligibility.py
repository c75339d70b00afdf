"""An engine the eligibility worker process loads by import path (module:Class), so it lives
in a helper module rather than in the test that uses it."""

from __future__ import annotations

from rules.engine import RulesEngine

EXPLODING = "tests.helpers.eligibility:ExplodingEngine"
EXPLODING_SALARY = 1234.56


class ExplodingEngine(RulesEngine):
    """The real engine, except that a household earning exactly 1 234,56 € breaks any
    simulation it is part of, as a household that passes validation but trips OpenFisca
    would (none is known today: validation is strict)."""

    def _compute(self, profiles: list[dict]) -> list[dict]:
        if any(p["applicant"]["income"]["salary"] == EXPLODING_SALARY for p in profiles):
            raise ValueError("this household breaks the simulation")
        return super()._compute(profiles)
