"""The benefit catalogue: one YAML file per benefit in ``rules/benefits/``.

Adding a benefit is adding a file: each is checked against ``benefit.schema.json`` when loaded,
and the engine computes whatever variables the files name. Files are read in file-name order,
which is the (stable) order of the result's ``benefits`` list.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import rule_engine
import yaml

from .facts import DOCUMENT_CONDITIONS

HERE = Path(__file__).parent
BENEFITS_DIR = HERE / "benefits"
SCHEMA_FILE = HERE / "benefit.schema.json"


class CatalogueError(ValueError):
    """A benefit file that does not fit the schema; the message names the file and field."""

    def __init__(self, path, field: str, problem: str):
        self.path = str(path)
        self.field = field
        super().__init__(f"{path}: {field}: {problem}")


@dataclass(frozen=True)
class Condition:
    variable: str
    above: float | None = None
    below: float | None = None


@dataclass(frozen=True)
class Benefit:
    id: str
    label: str
    sentence: str
    variable: str | None  # None: a rule-only benefit (local aid OpenFisca lacks)
    period: str  # "month" or "year"
    apply: dict  # {"where", "how", "link"}
    documents: list[str]
    accompanied_claim: bool
    moments: list[str]
    amount: str = "euros"  # "none": not money received (a tariff, a health cover)
    persons: str = "sum"  # individual variables: "sum" over the household or "applicant"
    eligible_any: bool = True  # how the conditions combine
    conditions: tuple[Condition, ...] = ()
    once_variable: str | None = None
    extra: dict = field(default_factory=dict)
    notes: str = ""
    source: str = ""
    short_label: str = ""  # the name in a one-line summary (an SMS); the label if empty
    rule: rule_engine.Rule | None = None  # eligibility on the profile's facts (facts.py)
    per: str = ""  # the result's "per" when it differs from ``period``
    legal_basis: str = ""
    # How an accompanied claim reaches a referent: "open" puts the person in the referents'
    # queue with the result; "offer" names it and lets the person ask (CONSEILLER, 1): for
    # rights found for everyone of a place or an age (the 67100 callback, the FAJ), which
    # would fill the queue with people who did not ask.
    handoff: str = "open"
    # "help": a service that helps to claim (the 67100 callback), not a right: the dialogue
    # offers it with a person and does not list it among the rights.
    kind: str = "right"
    # Document text -> the situation (facts.DOCUMENT_CONDITIONS) it is for; the others are
    # for everyone who has the right.
    documents_when: dict = field(default_factory=dict)
    # Answers to « qui peut l'avoir ? » and « ça prend combien de temps ? » (issue 26); empty:
    # the dialogue answers with the sentence, or the general delay.
    who: str = ""
    delay: str = ""

    @property
    def name(self) -> str:
        return self.short_label or self.label

    def documents_for(self, facts: dict | None) -> list[str]:
        """The documents this person brings: a document tied to a situation (a pregnancy, a
        student's grant) only when the facts say so; without facts, only the others."""
        return [text for text in self.documents
                if text not in self.documents_when or (
                    facts is not None and DOCUMENT_CONDITIONS[self.documents_when[text]](facts))]

    def variables(self) -> list[str]:
        """Every OpenFisca variable this benefit needs computed."""
        names = [*([self.variable] if self.variable else []),
                 *(c.variable for c in self.conditions), *self.extra.values()]
        if self.once_variable:
            names.append(self.once_variable)
        return list(dict.fromkeys(names))


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _field_path(error: jsonschema.ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if error.validator == "required":
        # The message names the missing property; point at it.
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path = f"{path}.{missing}" if path else missing
    elif error.validator == "additionalProperties" and "'" in error.message:
        extra = error.message.split("'")[1]
        path = f"{path}.{extra}" if path else extra
    return path or "(file)"


def load_benefit(path: Path, schema: dict | None = None) -> Benefit:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(path, "(file)", f"not valid YAML: {exc}") from None
    validator = jsonschema.Draft202012Validator(schema or _schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        raise CatalogueError(path, _field_path(error), error.message)
    if data["id"] != path.stem:
        raise CatalogueError(path, "id", f"must match the file name ({path.stem!r})")
    expression = None
    if "rule" in data:
        if "variable" not in data and data.get("amount") != "none":
            raise CatalogueError(path, "amount", "must be 'none' for a benefit without variable")
        from .facts import FACTS

        try:
            expression = rule_engine.Rule(data["rule"], context=rule_engine.Context(
                resolver=_fact_resolver(FACTS), default_value=None,
                type_resolver=rule_engine.type_resolver_from_dict(
                    {name: rule_engine.DataType.UNDEFINED for name in FACTS})))
        except rule_engine.errors.EngineError as exc:
            raise CatalogueError(path, "rule", f"not a valid rule: {exc.message}") from None
    if "eligible_when" in data:
        rule = data["eligible_when"]
    elif "variable" in data and expression is None:
        rule = {"any": [{"variable": data["variable"], "above": 0}]}
    else:
        rule = {"all": []}
    combine = "any" if "any" in rule else "all"
    conditions = tuple(
        Condition(c["variable"], c.get("above"), c.get("below")) for c in rule[combine]
    )
    return Benefit(
        id=data["id"],
        label=data["label"],
        sentence=data["sentence"],
        variable=data.get("variable"),
        period=data["period"],
        apply=dict(data["apply"]),
        documents=[d["text"] if isinstance(d, dict) else d for d in data["documents"]],
        documents_when={d["text"]: d["when"] for d in data["documents"] if isinstance(d, dict)},
        accompanied_claim=data["accompanied_claim"],
        moments=list(data["moments"]),
        amount=data.get("amount", "euros"),
        persons=data.get("persons", "sum"),
        eligible_any=combine == "any",
        conditions=conditions,
        once_variable=(data.get("once") or {}).get("variable"),
        extra=dict(data.get("extra") or {}),
        notes=data.get("notes", ""),
        source=str(path),
        short_label=data.get("short_label", ""),
        rule=expression,
        per=data.get("per", ""),
        legal_basis=data.get("legal_basis", ""),
        handoff=data.get("handoff", "open"),
        kind=data.get("kind", "right"),
        who=data.get("who", ""),
        delay=data.get("delay", ""),
    )


def _fact_resolver(names):
    """Resolve a rule's symbols among the known facts only: a typo fails at load."""
    def resolve(thing, name):
        if name not in names:
            raise rule_engine.errors.SymbolResolutionError(name)
        return thing.get(name)
    return resolve


def load_catalogue(path=None) -> list[Benefit]:
    """Load and validate every ``*.yaml`` of ``path`` (default: ``rules/benefits``)."""
    directory = Path(path) if path else BENEFITS_DIR
    schema = _schema()
    benefits = [load_benefit(p, schema) for p in sorted(directory.glob("*.yaml"))]
    seen = set()
    for benefit in benefits:
        if benefit.id in seen:
            raise CatalogueError(benefit.source, "id", f"duplicate id {benefit.id!r}")
        seen.add(benefit.id)
    if not benefits:
        raise CatalogueError(directory, "(directory)", "no benefit file (*.yaml) found")
    return benefits


@lru_cache(maxsize=1)
def benefit_labels() -> dict[str, str]:
    """Each benefit id with its plain-language label, for reports and the console."""
    return {benefit.id: benefit.label for benefit in load_catalogue()}
