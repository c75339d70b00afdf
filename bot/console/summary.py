"""The person's answers as one short French line a referent reads in a few seconds.

« 30 ans, seul(e), locataire 500 €/mois, salaire 800 €/mois » — in the order a referent
would tell the situation, only what was answered, amounts rounded to the euro.
"""

from __future__ import annotations

from typing import Any

MOMENTS = {
    "adult": "Je deviens adulte",
    "child": "J'attends un enfant",
    "single_parent": "J'élève seul(e) mes enfants",
    "senior": "Je deviens senior",
    "other": "Autre situation",
}
HOUSEHOLDS = {
    "single": "seul(e)",
    "single_with_children": "seul(e) avec enfant(s)",
    "couple": "en couple",
    "couple_with_children": "en couple avec enfant(s)",
}
HOUSING = {
    "tenant": "locataire",
    "social_tenant": "locataire HLM",
    "owner": "propriétaire",
    "hosted": "hébergé(e) gratuitement",
    "homeless": "sans logement",
}
INCOMES = (
    ("salary", "salaire"),
    ("unemployment", "chômage"),
    ("pension", "retraite"),
    ("other_income", "autres revenus"),
    ("partner_income", "revenus du conjoint"),
)


def euros(amount: Any) -> str:
    value = round(float(amount))
    return f"{value:,}".replace(",", "\u202f") + "\u00a0€"


def _children(ages: list[Any]) -> str:
    ages = [int(a) for a in ages]
    if not ages:
        return ""
    shown = ", ".join("moins d'1 an" if a == 0 else f"{a} ans" for a in ages)
    word = "enfant" if len(ages) == 1 else "enfants"
    return f"{len(ages)} {word} ({shown})"


def summarize(answers: dict[str, Any]) -> str:
    """« 30 ans, seul(e), locataire 500 €/mois, salaire 800 €/mois, code postal 67100 »."""
    parts: list[str] = []
    if "age" in answers:
        parts.append(f"{int(answers['age'])} ans")
    if answers.get("household") in HOUSEHOLDS:
        parts.append(HOUSEHOLDS[answers["household"]])
    if answers.get("children_ages"):
        parts.append(_children(answers["children_ages"]))
    housing = answers.get("housing")
    if housing in HOUSING:
        text = HOUSING[housing]
        if housing in ("tenant", "social_tenant") and answers.get("rent") is not None:
            text += f" {euros(answers['rent'])}/mois"
        parts.append(text)
    if answers.get("disability") is True:
        parts.append("handicap déclaré")
    incomes = []
    for key, label in INCOMES:
        if key in answers:
            value = float(answers[key] or 0)
            if value > 0:
                incomes.append(f"{label} {euros(value)}/mois")
            elif key in ("salary", "pension"):
                incomes.append(f"sans {label}")
    parts.extend(incomes)
    if answers.get("postcode"):
        parts.append(f"code postal {answers['postcode']}")
    return ", ".join(parts)
