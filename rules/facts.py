"""The facts a rule-based benefit (``rule:`` in its YAML file) can name, from a profile.

Rules are rule-engine expressions (https://zerosteiner.github.io/rule-engine/), e.g.
``age >= 18 and age <= 25 and in_eurometropole``. They read only these facts: a name that is
not here fails when the catalogue loads, naming the file. Absent optional profile fields are
false / null here, as in the OpenFisca mapping.
"""
from __future__ import annotations

from .communes import EMS_INSEE_CODES

FACTS = {
    "age": "the applicant's age",
    "couple": "a partner lives in the household",
    "partner_age": "the partner's age, or null",
    "children": "number of children",
    "children_ages": "the children's ages (a list)",
    "youngest_child_age": "the youngest child's age, or null",
    "pregnant": "the applicant (or partner) is pregnant",
    "student": "the applicant is a student",
    "job_seeker": "the applicant is a job seeker",
    "autonomy_loss": "the applicant (or partner) needs help for everyday life",
    "separated_recently": "the applicant separated recently (less than 18 months)",
    "disability_rate": "the applicant's disability rate (percent)",
    "child_disability": "a child has a disability",
    "alimony_unpaid": "the other parent does not pay the alimony",
    "commune": "INSEE code of the commune",
    "postcode": "the code the resident gave (postcode or INSEE code)",
    "in_eurometropole": "the commune is in the Eurométropole de Strasbourg",
    "in_bas_rhin": "the commune is in the Bas-Rhin (67)",
    "housing_status": "tenant, social_tenant, owner, hosted or homeless",
    "rent": "monthly rent",
    "moving": "the person is moving or looking for a flat (housing.moving)",
    "salary": "someone of the household earns a salary",
    "resources": "the household's net monthly resources (all incomes and alimony)",
}

_EMS = set(EMS_INSEE_CODES)

# The situations a document to bring can be tied to (`documents: - {text, when}` in a benefit
# file): a closed set, so that a file cannot name one nobody computes. Each reads the facts
# below. The schema's `document_condition` lists the same names (tests/rules check it).
DOCUMENT_CONDITIONS = {
    "pregnant": lambda f: f["pregnant"],
    "student": lambda f: f["student"],
    "children": lambda f: f["children"] > 0,
    "child_16_to_18": lambda f: any(16 <= age <= 18 for age in f["children_ages"]),
    "disability": lambda f: f["disability_rate"] > 0,
    "child_disability": lambda f: f["child_disability"],
    "couple": lambda f: f["couple"],
    "salary": lambda f: f["salary"],
    "tenant": lambda f: f["housing_status"] in ("tenant", "social_tenant"),
    "moving": lambda f: f["moving"],
}


def profile_facts(profile: dict) -> dict:
    """The facts of a normalised profile (see profile.validate_profile)."""
    applicant, partner = profile["applicant"], profile["partner"]
    adults = [applicant] + ([partner] if partner else [])
    ages = [c["age"] for c in profile["children"]]
    resources = sum(sum(a["income"].values()) for a in adults)
    resources += profile.get("alimony", {}).get("received", 0.0)
    return {
        "age": applicant["age"],
        "couple": partner is not None,
        "partner_age": partner["age"] if partner else None,
        "children": len(ages),
        "children_ages": ages,
        "youngest_child_age": min(ages) if ages else None,
        "pregnant": any(a["pregnant"] for a in adults),
        "student": applicant["student"],
        "job_seeker": bool(applicant.get("job_seeker")),
        "autonomy_loss": any(a.get("autonomy_loss") for a in adults),
        "separated_recently": bool(applicant.get("separated_recently")),
        "disability_rate": applicant["disability_rate"],
        "child_disability": any(c.get("disability") for c in profile["children"]),
        "alimony_unpaid": bool(profile.get("alimony", {}).get("unpaid")),
        "commune": profile["commune"],
        "postcode": profile.get("commune_input", profile["commune"]),
        "in_eurometropole": profile["commune"] in _EMS,
        "in_bas_rhin": profile["commune"].startswith("67"),
        "housing_status": profile["housing"]["status"],
        "rent": profile["housing"]["rent"],
        "moving": bool(profile["housing"].get("moving")),
        "salary": any(a["income"]["salary"] > 0 for a in adults),
        "resources": round(resources, 2),
    }
