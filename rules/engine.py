"""The evaluator: profiles -> one OpenFisca simulation -> the contracts.md result.

OpenFisca is vectorised: a simulation of 100 households costs about the same as one, so
``evaluate_many`` puts every household of a batch (per period) into ONE simulation and splits
the results back. Only the variables the catalogue names are computed.

Thread safety: loading is guarded by a lock (``warm_up`` is idempotent), and computations are
serialised by another lock, because the tax-benefit system's parameter caches are shared and
not documented as thread-safe. Callers run ``evaluate*`` in a worker, never on the event loop.
"""
from __future__ import annotations

import logging
import threading
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from .catalogue import Benefit, CatalogueError, load_catalogue
from .facts import profile_facts
from .profile import ProfileError, validate_profile
from .situation import build_simulation

log = logging.getLogger(__name__)

ENGINE_PACKAGES = ("openfisca-france", "openfisca-france-local")
WARM_UP_PROFILE = {
    "commune": "67482",
    "applicant": {"age": 30, "income": {"salary": 800}},
    "housing": {"status": "tenant", "rent": 500},
}


class RulesEngine:
    def __init__(self, catalogue: list[Benefit] | None = None, *, neutralise: bool = True):
        self.catalogue = list(catalogue) if catalogue is not None else load_catalogue()
        # False keeps the formulas rules/tbs.py skips (NEUTRALISED), for comparison.
        self.neutralise = neutralise
        self._tbs = None
        self._load_lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._warm = False

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._warm

    def versions(self) -> dict:
        result = {}
        for name in ENGINE_PACKAGES:
            try:
                result[name] = version(name)
            except PackageNotFoundError:  # pragma: no cover - installed with the app
                result[name] = "unknown"
        return result

    def _system(self):
        if self._tbs is None:
            with self._load_lock:
                if self._tbs is None:
                    from .tbs import build_tax_benefit_system

                    tbs = build_tax_benefit_system(neutralise=self.neutralise)
                    self._check_catalogue(tbs)
                    self._tbs = tbs
        return self._tbs

    def _check_catalogue(self, tbs) -> None:
        """Fail at start, naming the file, if a benefit names an unknown variable."""
        for benefit in self.catalogue:
            for name in benefit.variables():
                if name not in tbs.variables:
                    raise CatalogueError(benefit.source, "variable",
                                         f"{name!r} is not an OpenFisca variable")
                declared = tbs.variables[name].definition_period
                if str(declared) not in ("month", "year"):
                    raise CatalogueError(benefit.source, "variable",
                                         f"{name!r} has period {declared}")

    def warm_up(self) -> None:
        """Load the tax-benefit system and run one throwaway computation (idempotent)."""
        if self._warm:
            return
        self._system()
        with self._load_lock:
            if self._warm:
                return
            self._compute([validate_profile(WARM_UP_PROFILE)])
            self._warm = True

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, profile: dict) -> dict:
        """Validate ``profile`` (raises ProfileError) and return its result."""
        return self._compute([validate_profile(profile)])[0]

    def evaluate_many(self, profiles: list[dict]) -> list[dict]:
        """Results in order; an invalid profile gets {"error": "field: problem"} in its slot."""
        results: list[dict | None] = [None] * len(profiles)
        by_period: dict[str, list[tuple[int, dict]]] = {}
        for i, raw in enumerate(profiles):
            try:
                profile = validate_profile(raw)
            except ProfileError as exc:
                results[i] = {"error": str(exc), "field": exc.field}
                continue
            by_period.setdefault(profile["period"], []).append((i, profile))
        for group in by_period.values():
            indices = [i for i, _ in group]
            try:
                computed = self._compute([p for _, p in group])
            except Exception:  # noqa: BLE001 - one bad household must not sink the batch
                log.exception("batch computation failed; computing one by one")
                computed = []
                for _, profile in group:
                    try:
                        computed.append(self._compute([profile])[0])
                    except Exception as exc:  # noqa: BLE001
                        log.exception("computation failed for one profile")
                        computed.append({"error": f"computation failed: {exc}"})
            for i, result in zip(indices, computed):
                results[i] = result
        return results  # type: ignore[return-value]

    def _compute(self, profiles: list[dict]) -> list[dict]:
        tbs = self._system()
        period = profiles[0]["period"]
        with self._compute_lock:
            sim, layout = build_simulation(tbs, profiles)
            values: dict[tuple[str, str], np.ndarray] = {}
            for benefit in self.catalogue:
                at = period if benefit.period == "month" else period[:4]
                for name in benefit.variables():
                    if (name, at) not in values:
                        values[(name, at)] = self._per_household(
                            tbs, sim, layout, name, at, benefit.persons
                        )
        engine = self.versions()
        results = []
        for h in range(layout.n_households):
            facts = profile_facts(profiles[h])
            benefits = [self._benefit_result(b, values, period, h, facts)
                        for b in self.catalogue]
            results.append({"period": period, "engine": dict(engine), "benefits": benefits})
        return results

    @staticmethod
    def _per_household(tbs, sim, layout, name: str, at: str, persons: str) -> np.ndarray:
        raw = np.asarray(sim.calculate(name, at), dtype=float)
        entity = tbs.variables[name].entity.key
        if entity != "individu":
            # One famille, foyer fiscal and menage per household, in household order.
            return raw
        if persons == "applicant":
            return raw[layout.applicant_index]
        total = np.zeros(layout.n_households)
        np.add.at(total, layout.person_household, raw)
        return total

    @staticmethod
    def _benefit_result(benefit: Benefit, values: dict, period: str, h: int,
                        facts: dict) -> dict:
        at = period if benefit.period == "month" else period[:4]
        tests = []
        for c in benefit.conditions:
            value = values[(c.variable, at)][h]
            if c.above is None and c.below is None:
                tests.append(value > 0)
            else:
                ok = True
                if c.above is not None:
                    ok = ok and value > c.above
                if c.below is not None:
                    ok = ok and value < c.below
                tests.append(ok)
        eligible = bool(any(tests) if benefit.eligible_any else all(tests))
        if benefit.rule is not None:
            eligible = eligible and bool(benefit.rule.matches(facts))
        per = benefit.per or benefit.period
        if benefit.amount == "none":
            amount = None
        else:
            amount = round(float(values[(benefit.variable, at)][h]), 2) if eligible else 0.0
            if eligible and amount == 0 and benefit.once_variable:
                # e.g. PAJE for a pregnant woman with no child under 3: the prime à la
                # naissance is paid once, at the 7th month of pregnancy.
                amount = round(float(values[(benefit.once_variable, at)][h]), 2)
                per = "once"
        result = {
            "id": benefit.id,
            "label": benefit.label,
            "eligible": eligible,
            "amount": amount,
            "per": per,
            "sentence": benefit.sentence,
        }
        for key, name in benefit.extra.items():
            result[key] = round(float(values[(name, at)][h]), 2)
        if eligible:
            # Read on the profile computed: a mother who is not pregnant is not asked for a
            # pregnancy declaration, a senior for a student's grant notice.
            result["documents"] = benefit.documents_for(facts)
        return result


# The complémentaire santé solidaire costs about as much as every other benefit together:
# its resources are those of the last 12 months, each month's of every kind. Measured on 100
# varied households (`python -m bench burst` compares 1 and 2 workers): the whole catalogue
# 0.81 s, the CSS alone 0.57 s, the rest 0.46 s. Two worker processes, one per part, compute a
# batch in the time of the longer part, on the core the web process leaves idle while every
# turn waits for that batch.
SEPARATE = frozenset({"css"})


def split_catalogue(catalogue: list[Benefit], parts: int) -> list[list[Benefit]]:
    """The catalogue in `parts` (1 or 2) non-empty parts, each computed by its own engine:
    the SEPARATE benefits, then the others. One part when it cannot be cut that way."""
    heavy = [b for b in catalogue if b.id in SEPARATE]
    rest = [b for b in catalogue if b.id not in SEPARATE]
    if parts <= 1 or not heavy or not rest:
        return [list(catalogue)]
    return [heavy, rest]


def merge_results(parts: list[list[dict]], order: list[str]) -> list[dict]:
    """One result per household from the results of each part of the catalogue (same
    households, same order): its benefits in catalogue `order`; a household that failed in
    any part gets that part's error."""
    rank = {benefit_id: i for i, benefit_id in enumerate(order)}
    merged = []
    for results in zip(*parts, strict=True):
        failed = next((r for r in results if "error" in r), None)
        if failed is not None:
            merged.append(failed)
            continue
        benefits = [b for r in results for b in r["benefits"]]
        benefits.sort(key=lambda b: rank.get(b["id"], len(rank)))
        merged.append({**results[0], "benefits": benefits})
    return merged
