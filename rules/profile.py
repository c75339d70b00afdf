"""Validation and normalisation of a profile (contracts.md, "Eligibility evaluator").

A profile says who lives in the household and what they earn, as people say it: NET amounts,
per month, averaged over the last three months. ``validate_profile`` checks every field and
returns a complete copy with defaults filled, or raises ``ProfileError`` whose message starts
with the dotted path of the faulty field (``applicant.age: must be ...``), so that the CLI can
print it as is and the dialogue core can ask the question again.
"""
from __future__ import annotations

import math
import re
from datetime import date

from .communes import resolve_commune

HOUSING_STATUSES = ("tenant", "social_tenant", "owner", "hosted", "homeless")
INCOME_KEYS = ("salary", "unemployment", "pension", "other")
PERSON_KEYS = {"age", "pregnant", "disability_rate", "student", "income", "job_seeker",
               "autonomy_loss", "separated_recently"}
CHILD_KEYS = {"age", "school", "disability"}
# A child's school level; None: not said (bourses then infer it from the age, see situation.py).
SCHOOL_LEVELS = ("maternelle", "primaire", "college", "lycee", "superieur")
ALIMONY_KEYS = {"received", "unpaid"}
DEFAULT_COMMUNE = "67482"  # Strasbourg: the territory this project serves
MAX_AMOUNT = 1_000_000  # euros per month; beyond this it is a typo, not a resident
MAX_CHILDREN = 20
PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Oldest month we accept: housing aid has used rolling resources only since 2021, and our
# mapping feeds that model only. Latest: parameters of openfisca-france are known up to the
# release date and extended as is after it, so far-future periods would silently be guesses.
MIN_YEAR, MAX_YEAR = 2021, 2030


class ProfileError(ValueError):
    """A malformed profile. ``field`` is the dotted path of the faulty field."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def current_period() -> str:
    today = date.today()
    return f"{today.year:04d}-{today.month:02d}"


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _bool(data: dict, key: str, field: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ProfileError(field, "must be true or false")
    return value


def _amount(value, field: str) -> float:
    if value is None:
        return 0.0
    if not _is_number(value) or value < 0 or value > MAX_AMOUNT:
        raise ProfileError(field, f"must be a number of euros between 0 and {MAX_AMOUNT}")
    return float(value)


def _age(value, field: str, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:
        raise ProfileError(field, f"must be an integer between {low} and {high}")
    return value


def _object(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise ProfileError(field, "must be an object")
    return value


def _no_unknown_keys(data: dict, allowed, field: str) -> None:
    # A typo ("salery") would otherwise silently become 0 euros.
    for key in data:
        if key not in allowed:
            raise ProfileError(f"{field}.{key}" if field else key, "unknown field")


def _person(data, field: str) -> dict:
    data = _object(data, field)
    _no_unknown_keys(data, PERSON_KEYS, field)
    if "age" not in data:
        raise ProfileError(f"{field}.age", "is required")
    age = _age(data["age"], f"{field}.age", 0, 120)
    rate = data.get("disability_rate", 0)
    if rate is None:
        rate = 0
    if not _is_number(rate) or not 0 <= rate <= 100:
        raise ProfileError(f"{field}.disability_rate", "must be a percentage between 0 and 100")
    income = data.get("income") or {}
    income = _object(income, f"{field}.income")
    _no_unknown_keys(income, INCOME_KEYS, f"{field}.income")
    return {
        "age": age,
        "pregnant": _bool(data, "pregnant", f"{field}.pregnant"),
        "disability_rate": float(rate),
        "student": _bool(data, "student", f"{field}.student"),
        # Optional facts asked by later questions; absent = not said = today's behaviour.
        "job_seeker": _bool(data, "job_seeker", f"{field}.job_seeker"),
        "autonomy_loss": _bool(data, "autonomy_loss", f"{field}.autonomy_loss"),
        "separated_recently": _bool(data, "separated_recently", f"{field}.separated_recently"),
        "income": {k: _amount(income.get(k), f"{field}.income.{k}") for k in INCOME_KEYS},
    }


def _alimony(value) -> dict:
    """Alimony for the children from the other parent: amount received, or not paid (ASF)."""
    if value is None:
        return {"received": 0.0, "unpaid": False}
    value = _object(value, "alimony")
    _no_unknown_keys(value, ALIMONY_KEYS, "alimony")
    return {"received": _amount(value.get("received"), "alimony.received"),
            "unpaid": _bool(value, "unpaid", "alimony.unpaid")}


def _period(value) -> str:
    if value is None:
        return current_period()
    match = PERIOD_RE.match(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ProfileError("period", 'must be a month written "YYYY-MM"')
    if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise ProfileError("period", f"must be a month between {MIN_YEAR} and {MAX_YEAR}")
    return value


def validate_profile(data: dict) -> dict:
    """Check a profile and return it normalised (defaults filled), or raise ProfileError."""
    if not isinstance(data, dict):
        raise ProfileError("profile", "must be a JSON object")
    # "commune_input" is written by this function: a normalised profile validates again.
    allowed = {"period", "commune", "commune_input", "applicant", "partner", "children",
               "housing", "alimony", "id"}
    # Keys starting with "_" are left to callers (e.g. a batching service's own ids).
    _no_unknown_keys({k: v for k, v in data.items() if not k.startswith("_")}, allowed, "")

    period = _period(data.get("period"))

    # On a normalised profile, resolve the original code again ("commune" there is the INSEE
    # code, which could read as a postcode: "67118").
    commune_input = data["commune_input"] if "commune_input" in data else data.get("commune")
    if commune_input is None:
        commune_input = DEFAULT_COMMUNE
    if _is_int(commune_input):
        commune_input = f"{commune_input:05d}"
    if not isinstance(commune_input, str) or resolve_commune(commune_input) is None:
        raise ProfileError("commune", "must be a 5-digit INSEE code or postcode")
    commune = resolve_commune(commune_input)

    if "applicant" not in data:
        raise ProfileError("applicant", "is required")
    applicant = _person(data["applicant"], "applicant")
    partner = data.get("partner")
    partner = None if partner is None else _person(partner, "partner")

    children_in = data.get("children") or []
    if not isinstance(children_in, list):
        raise ProfileError("children", "must be a list")
    if len(children_in) > MAX_CHILDREN:
        raise ProfileError("children", f"must have at most {MAX_CHILDREN} children")
    children = []
    for i, child in enumerate(children_in):
        child = _object(child, f"children[{i}]")
        _no_unknown_keys(child, CHILD_KEYS, f"children[{i}]")
        if "age" not in child:
            raise ProfileError(f"children[{i}].age", "is required")
        school = child.get("school")
        if school is not None and school not in SCHOOL_LEVELS:
            raise ProfileError(f"children[{i}].school",
                               "must be null or one of " + ", ".join(SCHOOL_LEVELS))
        children.append({"age": _age(child["age"], f"children[{i}].age", 0, 25),
                         "school": school,
                         "disability": _bool(child, "disability", f"children[{i}].disability")})

    if "housing" not in data:
        raise ProfileError("housing", "is required")
    housing = _object(data["housing"], "housing")
    _no_unknown_keys(housing, {"status", "rent", "moving"}, "housing")
    status = housing.get("status")
    if status not in HOUSING_STATUSES:
        raise ProfileError("housing.status", "must be one of " + ", ".join(HOUSING_STATUSES))
    rent = _amount(housing.get("rent"), "housing.rent")
    # Moving, or looking for a flat: the aids for a next home (Loca-Pass, Visale) need it.
    moving = _bool(housing, "moving", "housing.moving")

    alimony = _alimony(data.get("alimony"))

    profile = {
        "period": period,
        "commune": commune,
        "commune_input": commune_input,
        "applicant": applicant,
        "partner": partner,
        "children": children,
        "housing": {"status": status, "rent": rent, "moving": moving},
        "alimony": alimony,
    }
    if "id" in data:
        profile["id"] = data["id"]
    return profile
