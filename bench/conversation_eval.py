"""Conversation-level evaluation: scripted residents through the real dialogue, NLU and rules.

    python -m bench.conversation_eval [--check] [--nlu-url URL] [--only ID ...] [--show ID ...]

Each persona of tests/conversations/personas/*.yaml texts the bot through POST /api/chat, as a
resident would: its first message, then, turn after turn, the answer to whatever the
conversation waits for (read from the database: "ask:KEY" -> says[KEY], "consent", "moment",
"confirm", "slot" -> « non merci », "recap" (the facts read back) -> yes in its language, any
other state -> says[state] or says["default"] or « oui »). The persona stops at the state
"result" (completed if a result was computed) or after MAX_TURNS messages; a persona with words
for "result" (« encore ») says them at its first result, takes the follow-up questions (issue
14) and stops at the second result: its follow-up is a check of its own, with its own SMS parts
(`followup_parts`), and its expected rights count the follow-up answers it was asked. Measured
per persona: completion, turns, SMS parts (each turn's replies rendered for SMS, greeting
included), stored answers against its truth (a stored answer that differs is a silent misfill),
any appointment booked (none asked for: an accidental booking), and the rights found against
those the real rules give its truth. Then the sentences of tests/conversations/urgent.yaml,
each sent as the first message of a new resident and again mid-check: recognised when a reply
holds the emergency numbers.

The app is the real one (SQLite in a temporary directory, the real EligibilityService, the
real Rasa NLU: started here via nlu.manage unless NLU_URL or --nlu-url names a running one).
It prints the personas failing anything, then the figures; its last line:
`conversations: completion <x>%, correct rights <y>%, misfills <n>, urgent recall <r>`.
Exit 0 (a measurement), or with --check exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PERSONAS_DIR = ROOT / "tests" / "conversations" / "personas"
URGENT_FILE = ROOT / "tests" / "conversations" / "urgent.yaml"
MAX_TURNS = 30
SMS_PART_LIMIT = 13  # per persona, the whole check over SMS, the facts read back included
# Arabic goes in UCS-2 (70 characters a part): its checks may take more parts (issue 17).
# Issue 25 asks 13 (17 in Arabic and Turkish) with the read-back; in Arabic the read-back
# alone takes two parts, and seven Arabic residents take 18 or 19, one English resident 14
# (his partner's income asked twice): the ceiling held here until that is won back.
SMS_PART_LIMITS = {"ar": 19, "tr": 17, "en": 14, "fr": 13}
# What a persona says to the facts read back before the result (issue 25), unless its
# `says` has a `recap` entry: they are right when nothing was misread.
RECAP_YES = {"fr": "oui", "en": "yes", "tr": "evet", "ar": "نعم"}


def sms_part_limit(code: str) -> int:
    return SMS_PART_LIMITS.get(code, SMS_PART_LIMIT)
AMOUNT_TOLERANCE = 1.0  # euros
MOMENTS = ["adult", "child", "single_parent", "senior", "other"]
# Moments that change the questions or the profile; « adult » and « other » ask and compute
# the same, so taking one for the other is no misfill.
MOMENTS_THAT_MATTER = {"child", "single_parent", "senior"}
AMOUNT_KEYS = {"rent", "salary", "unemployment", "pension", "other_income", "partner_income"}
TARGETS = {
    "completion": 95.0,  # % of personas reaching the result
    "correct_rights": 95.0,  # % of personas whose rights found are those of their truth
    "misfills": 0,
    "bookings": 0,
    "over_sms_limit": 0,
    "urgent_recall": 0.98,
    "urgent_precision": 0.95,
}
# What a resident answers for a true value when the persona has no words of its own for the
# question (a question the dialogue may add later): the plainest way people say it.
# States where a persona without its own words answers something else than « oui »: no
# persona asks for a person, so offered slots after a misunderstanding, it declines them.
STATE_DEFAULTS = {"slot": "non merci"}
PLAIN = {
    "household": {"single": "seul", "single_with_children": "seul avec mes enfants",
                  "couple": "en couple", "couple_with_children": "en couple avec enfants"},
    "housing": {"tenant": "locataire", "social_tenant": "hlm", "owner": "proprietaire",
                "hosted": "heberge", "homeless": "sans logement"},
}


# ------------------------------------------------------------------------------- data

@dataclass
class Persona:
    id: str
    moment: str
    style: list[str]
    truth: dict[str, Any]
    first_message: str
    says: dict[str, Any]
    source: str = ""
    language: str = "fr"  # the language the person writes in (locales/)
    channel: str = "web"  # "sms": straight into the core as the SMS channel does
    # Follow-up facts the person states during the check (« ma femme est handicapée »): the
    # check keeps and uses them, so the expected rights count them too.
    said: tuple[str, ...] = ()


def _normalise_truth(truth: dict[str, Any]) -> dict[str, Any]:
    out = dict(truth)
    if "postcode" in out:
        out["postcode"] = str(out["postcode"])
    if "children_ages" in out:
        # In the order said: the follow-up names children by it (« le deuxième »).
        out["children_ages"] = [int(a) for a in out["children_ages"]]
    if "age" in out:
        out["age"] = int(out["age"])
    for key in AMOUNT_KEYS & out.keys():
        out[key] = float(out[key])
    if "disability" in out:
        out["disability"] = bool(out["disability"])
    return out


def load_personas(directory: Path = PERSONAS_DIR) -> list[Persona]:
    personas = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            personas.append(Persona(
                id=str(raw["id"]), moment=raw["moment"], style=list(raw.get("style", [])),
                truth=_normalise_truth(raw["truth"]),
                first_message=str(raw.get("first_message", "bonjour")),
                says=dict(raw.get("says", {})), source=path.name,
                language=str(raw.get("language", "fr")),
                channel=str(raw.get("channel", "web")),
                said=tuple(raw.get("said", ()))))
    return personas


def load_urgent(path: Path = URGENT_FILE) -> list[tuple[str, bool]]:
    """(sentence, urgent?) pairs: the file's `urgent` list, then its `not_urgent` list."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return ([(str(s), True) for s in data.get("urgent", [])]
            + [(str(s), False) for s in data.get("not_urgent", [])])


def relevant_truth(persona: Persona) -> dict[str, Any]:
    """The true answers the dialogue asks this person (as the core filters before a check)."""
    from bot.dialogue import questions

    asked = [*questions.questions_for(persona.moment, persona.truth), *persona.said]
    return {k: v for k, v in persona.truth.items() if k in asked}


def validate(personas: list[Persona]) -> list[str]:
    """What is wrong with the personas as data (empty when they are usable)."""
    from bot.dialogue import questions

    problems = []
    ids = Counter(p.id for p in personas)
    problems += [f"{i}: id used {n} times" for i, n in ids.items() if n > 1]
    for p in personas:
        if p.moment not in MOMENTS:
            problems.append(f"{p.id}: unknown moment {p.moment!r}")
            continue
        unknown = set(p.truth) - set(questions.BY_KEY)
        if unknown:
            problems.append(f"{p.id}: unknown truth keys {sorted(unknown)}")
        if p.truth.get("household") not in questions.HOUSEHOLDS:
            problems.append(f"{p.id}: household {p.truth.get('household')!r}")
        if p.truth.get("housing") not in questions.HOUSING:
            problems.append(f"{p.id}: housing {p.truth.get('housing')!r}")
        asked = questions.questions_for(p.moment, p.truth)
        missing = [k for k in asked if k not in p.truth]
        if missing:
            problems.append(f"{p.id}: truth lacks {missing}")
        if p.moment == "single_parent" and p.truth.get("household") != "single_with_children":
            problems.append(f"{p.id}: a single parent's household is single_with_children")
        silent = [k for k in asked if k not in p.says]
        if silent or "moment" not in p.says:
            problems.append(f"{p.id}: says nothing for {silent + (['moment'] * ('moment' not in p.says))}")
    return problems


# ------------------------------------------------------------------------------- one persona

@dataclass
class PersonaResult:
    persona: Persona
    completed: bool = False
    final_state: str | None = None
    turns: int = 0
    sms_parts: int = 0
    # The same check if every part went in UCS-2 (70 characters), as Turkish would with its
    # letters kept: what folding them to GSM-7 saves (bench/sms_budget.py prints both).
    sms_parts_unicode: int = 0
    followup_parts: int | None = None  # from the first result to the second, if taken
    misfills: list[tuple[str, Any, Any]] = field(default_factory=list)  # key, stored, truth
    unanswered: list[str] = field(default_factory=list)  # asked keys never stored
    bookings: int = 0
    expected_rights: set[str] = field(default_factory=set)
    found_rights: set[str] | None = None  # None: no result computed
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def rights_correct(self) -> bool:
        return self.completed and self.found_rights == self.expected_rights

    @property
    def failures(self) -> list[str]:
        out = []
        if not self.completed and self.final_state == "result":
            out.append(f"ended without a result after {self.turns} messages")
        elif not self.completed:
            out.append(f"not completed ({self.final_state} after {self.turns} messages)")
        for key, stored, truth in self.misfills:
            out.append(f"misfill {key}={_show(stored)} (truth {_show(truth)})")
        if self.unanswered and self.completed:
            out.append(f"never stored {','.join(self.unanswered)}")
        if self.completed and not self.rights_correct:
            found = self.found_rights or set()
            missing, extra = self.expected_rights - found, found - self.expected_rights
            text = "rights:"
            text += f" missing {','.join(sorted(missing))}" if missing else ""
            text += f" extra {','.join(sorted(extra))}" if extra else ""
            out.append(text if found or missing or extra else "rights: no result")
        if self.bookings:
            out.append(f"{self.bookings} appointment(s) booked")
        if self.sms_parts > sms_part_limit(self.persona.language):
            out.append(f"{self.sms_parts} SMS parts")
        if (self.followup_parts or 0) > SMS_PART_LIMIT:
            out.append(f"{self.followup_parts} SMS parts in the follow-up")
        return out


def _show(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def same_answer(key: str, stored: Any, truth: Any) -> bool:
    """Amounts within a euro, ages exactly, lists of ages in any order, the rest as equals."""
    try:
        if key in AMOUNT_KEYS:
            return abs(float(stored) - float(truth)) <= AMOUNT_TOLERANCE
        if key == "age":
            return int(stored) == int(truth) and float(stored) == int(stored)
        if key == "children_ages":
            return sorted(int(a) for a in stored) == sorted(int(a) for a in truth)
        if key == "disability":
            return bool(stored) is bool(truth) and isinstance(stored, bool)
    except (TypeError, ValueError):
        return False
    return str(stored) == str(truth)


def _plain(key: str, value: Any) -> str:
    if key in PLAIN:
        return PLAIN[key].get(value, str(value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " et ".join(str(v) for v in value) or "aucun"
    return _show(value)


class Script:
    """What one persona says next, given the state the conversation waits in."""

    def __init__(self, persona: Persona):
        self.persona = persona
        self.asked: Counter[str] = Counter()
        self.corrected: set[str] = set()

    def answer(self, state: str, pair: str | None = None) -> tuple[str, str | None]:
        """(message to send, message to send right after whatever the bot answers, or None).

        A prompt that asks two things at once (« votre âge et votre code postal ? ») gets
        both plain answers in one message, as a person reading it would write them.
        """
        parts = state.split(":")
        key = parts[1] if parts[0] == "ask" and len(parts) > 1 else parts[0]
        says = self.persona.says
        if pair and not self.asked[key] and not self.asked[pair]:
            first, second = says.get(key), says.get(pair)
            if isinstance(first, str) and isinstance(second, str):
                self.asked[key] += 1
                self.asked[pair] += 1
                joiner = " et " if key == "salary" else ", "
                return f"{first}{joiner}{second}", None
        entry = says.get(state, says.get(key))
        if entry is None:
            if key in self.persona.truth:
                entry = _plain(key, self.persona.truth[key])
            elif key in STATE_DEFAULTS:
                entry = STATE_DEFAULTS[key]
            elif key == "recap":
                entry = RECAP_YES.get(self.persona.language or "fr", "oui")
            elif key == "consent":
                entry = "oui"
            else:
                entry = says.get("default", "oui")
        if isinstance(entry, list):
            entry = entry[min(self.asked[key], len(entry) - 1)]
        self.asked[key] += 1
        if isinstance(entry, dict):
            if key in self.corrected:  # asked again after the correction: say it right
                return str(entry["then"]), None
            self.corrected.add(key)
            return str(entry["say"]), (str(entry["then"]) if entry.get("then") else None)
        return str(entry), None


# ------------------------------------------------------------------------------- the run

@dataclass
class UrgentTrial:
    sentence: str
    urgent: bool
    where: str  # "first" or "mid"
    recognised: bool


@dataclass
class Report:
    personas: list[PersonaResult]
    urgent: list[UrgentTrial]
    # The languages read by a Rasa model (French's NLU_URL, the others' NLU_URLS): the rest
    # worked on digits and their words.
    models: tuple[str, ...] = ("fr",)

    def _share(self, test: Callable[[PersonaResult], bool]) -> float:
        return 100.0 * sum(map(test, self.personas)) / len(self.personas) if self.personas else 0.0

    @property
    def completion(self) -> float:
        return self._share(lambda r: r.completed)

    @property
    def correct_rights(self) -> float:
        return self._share(lambda r: r.rights_correct)

    @property
    def misfills(self) -> int:
        return sum(len(r.misfills) for r in self.personas)

    @property
    def bookings(self) -> int:
        return sum(r.bookings for r in self.personas)

    @property
    def over_sms_limit(self) -> int:
        return sum(r.sms_parts > sms_part_limit(r.persona.language)
                   or (r.followup_parts or 0) > sms_part_limit(r.persona.language)
                   for r in self.personas)

    @property
    def urgent_recall(self) -> float:
        positives = [t for t in self.urgent if t.urgent]
        return sum(t.recognised for t in positives) / len(positives) if positives else 0.0

    @property
    def urgent_precision(self) -> float:
        flagged = [t for t in self.urgent if t.recognised]
        return sum(t.urgent for t in flagged) / len(flagged) if flagged else 0.0

    def missed_targets(self) -> list[str]:
        figures = {"completion": self.completion, "correct_rights": self.correct_rights,
                   "urgent_recall": self.urgent_recall,
                   "urgent_precision": self.urgent_precision}
        missed = [f"{name} {value:.3g} < {TARGETS[name]}" for name, value in figures.items()
                  if value < TARGETS[name]]
        counts = {"misfills": self.misfills, "bookings": self.bookings,
                  "over_sms_limit": self.over_sms_limit}
        missed += [f"{name} {value} > {TARGETS[name]}" for name, value in counts.items()
                   if value > TARGETS[name]]
        return missed

    def summary_line(self) -> str:
        return (f"conversations: completion {self.completion:.1f}%, correct rights "
                f"{self.correct_rights:.1f}%, misfills {self.misfills}, urgent recall "
                f"{self.urgent_recall:.2f}")

    def lines(self) -> list[str]:
        out = []
        failing = [r for r in self.personas if r.failures]
        out.append(f"personas failing something: {len(failing)} of {len(self.personas)}")
        if failing:
            width = max(len(r.persona.id) for r in failing)
            for r in failing:
                out.append(f"  {r.persona.id:{width}s}  {'; '.join(r.failures)}")
        out.append("")
        out.append("by moment:        personas  completed  rights ok  misfills  mean SMS parts")
        for moment in MOMENTS:
            group = [r for r in self.personas if r.persona.moment == moment]
            if group:
                out.append(f"  {moment:15s} {len(group):8d} {sum(r.completed for r in group):10d} "
                           f"{sum(r.rights_correct for r in group):10d} "
                           f"{sum(len(r.misfills) for r in group):9d} "
                           f"{statistics.mean(r.sms_parts for r in group):15.1f}")
        out.append("by language:      personas  completed  rights ok  misfills  bookings  "
                   "max SMS parts (limit)  read by")
        for code in sorted({r.persona.language for r in self.personas}):
            group = [r for r in self.personas if r.persona.language == code]
            out.append(f"  {code:15s} {len(group):8d} {sum(r.completed for r in group):10d} "
                       f"{sum(r.rights_correct for r in group):10d} "
                       f"{sum(len(r.misfills) for r in group):9d} "
                       f"{sum(r.bookings for r in group):9d} "
                       f"{max(r.sms_parts for r in group):14d} ({sms_part_limit(code)})"
                       f"{'  its model' if code in self.models else '  digits and words':>22s}")
        styles = Counter(s for r in self.personas for s in r.persona.style)
        out.append("by style (completed and rights ok / personas): " + ", ".join(
            f"{s} {sum(r.rights_correct for r in self.personas if s in r.persona.style)}/{n}"
            for s, n in sorted(styles.items())))
        out.append("")
        n = len(self.personas)
        out.append(f"completion: {sum(r.completed for r in self.personas)}/{n} = "
                   f"{self.completion:.1f}%")
        out.append(f"correct rights: {sum(r.rights_correct for r in self.personas)}/{n} = "
                   f"{self.correct_rights:.1f}%")
        out.append(f"silent misfills: {self.misfills} in "
                   f"{sum(bool(r.misfills) for r in self.personas)} personas")
        out.append(f"accidental bookings: {self.bookings}")
        if self.personas:
            turns = [r.turns for r in self.personas]
            parts = [r.sms_parts for r in self.personas]
            out.append(f"messages sent per check: mean {statistics.mean(turns):.1f}, "
                       f"max {max(turns)}")
            out.append(f"SMS parts per check: mean {statistics.mean(parts):.1f}, median "
                       f"{statistics.median(parts):g}, max {max(parts)}")
            done = [r for r in self.personas if r.completed]
            if done:
                out.append(f"completed checks only: messages mean "
                           f"{statistics.mean(r.turns for r in done):.1f}, max "
                           f"{max(r.turns for r in done)}; SMS parts mean "
                           f"{statistics.mean(r.sms_parts for r in done):.1f}, max "
                           f"{max(r.sms_parts for r in done)}")
            bands = [(0, 8), (9, 10), (11, 12), (13, 16), (17, 24), (25, 10**6)]
            out.append("SMS parts distribution: " + ", ".join(
                f"{lo}-{hi if hi < 10**6 else ''}: {sum(lo <= p <= hi for p in parts)}"
                for lo, hi in bands))
            followups = [r.followup_parts for r in self.personas if r.followup_parts is not None]
            if followups:
                out.append(f"follow-ups taken: {len(followups)}, SMS parts max "
                           f"{max(followups)}")
            limits = ", ".join(f"{code} {limit}" for code, limit in SMS_PART_LIMITS.items())
            out.append(f"personas over their SMS limit ({limits}): {self.over_sms_limit}")
        if self.urgent:
            out.append("")
            for where in ("first", "mid"):
                trials = [t for t in self.urgent if t.where == where]
                pos = [t for t in trials if t.urgent]
                neg = [t for t in trials if not t.urgent]
                out.append(f"urgent as {'first message' if where == 'first' else 'mid-check'}: "
                           f"recognised {sum(t.recognised for t in pos)}/{len(pos)}, "
                           f"false alarms {sum(t.recognised for t in neg)}/{len(neg)}")
            for t in self.urgent:
                if t.recognised != t.urgent:
                    kind = "missed" if t.urgent else "false alarm"
                    out.append(f"  {kind:11s} ({t.where}): {t.sentence}")
            out.append(f"urgent recall {self.urgent_recall:.2f}, precision "
                       f"{self.urgent_precision:.2f}")
        missed = self.missed_targets()
        out.append("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
        out.append(self.summary_line())
        return out


class Evaluator:
    """Drives personas and sentences through one running app."""

    def __init__(self, client: Any, eligibility: Any):
        from bot.messages import text

        self.client = client
        self.app = client.app
        self.core = self.app.state.core
        self.db = self.app.state.db
        self.eligibility = eligibility
        from bot import language

        self.urgent_text = text("urgent")
        # The emergency numbers as each language says them: an alarm in any counts.
        self.urgent_texts = set()
        for code in language.available():
            with language.use(code):
                self.urgent_texts.add(text("urgent"))
        # The web API leaves out which replies are details (SMS skips them): read the
        # core's own replies for the SMS count, as the SMS channel would render them.
        self.captured: dict[str, list[Any]] = {}
        handle = self.core.handle

        def recording(message, **options):
            replies = handle(message, **options)
            self.captured[message.sender] = list(replies)
            return replies

        self.core.handle = recording

    # -- talking -------------------------------------------------------------------------
    def say(self, user: str, text: str, channel: str = "web") -> list[Any]:
        from bot.dialogue.types import IncomingMessage, Reply

        if channel != "web":  # the SMS dialogue itself (the Twilio webhook calls the same)
            return self.core.handle(IncomingMessage(channel=channel, sender=user, text=text))
        self.captured.pop(user, None)
        response = self.client.post("/api/chat", json={"user_id": user, "text": text})
        if response.status_code != 200:
            raise RuntimeError(f"POST /api/chat answered {response.status_code}: {response.text}")
        if user in self.captured:
            return self.captured.pop(user)
        return [Reply(r["text"], list(r.get("choices", []))) for r in response.json()["replies"]]

    def conversation(self, user: str, channel: str = "web") -> dict[str, Any] | None:
        """The state, moment, answers, latest rights and bookings of this user's conversation."""
        from sqlalchemy import select

        from storage.handoff import Appointment, Handoff
        from storage.models import Answer, ChannelAddress, Conversation, EligibilityResult

        key = self.core.address_key(channel, user)
        with self.db.session() as session:
            address = session.scalars(select(ChannelAddress).where(ChannelAddress.key == key)).first()
            if address is None:
                return None
            conversation = session.scalars(
                select(Conversation).where(Conversation.person_id == address.person_id,
                                           Conversation.channel == channel)
                .order_by(Conversation.id.desc())).first()
            if conversation is None:
                return None
            answers = {a.key: a.value for a in session.scalars(
                select(Answer).where(Answer.conversation_id == conversation.id))}
            result = session.scalars(
                select(EligibilityResult).where(EligibilityResult.conversation_id == conversation.id)
                .order_by(EligibilityResult.id.desc())).first()
            bookings = len(session.scalars(
                select(Appointment.id).join(Handoff, Appointment.handoff_id == Handoff.id)
                .where(Handoff.conversation_id == conversation.id)).all())
            return {"state": conversation.state, "moment": conversation.moment,
                    "pair": (conversation.context or {}).get("pair"),
                    "answers": answers, "bookings": bookings,
                    "rights": None if result is None else
                    {b["id"] for b in result.benefits if b.get("eligible")}}

    # -- personas ------------------------------------------------------------------------
    def expected_rights(self, personas: list[Persona]) -> dict[str, set[str]]:
        """The rights the real rules give each persona's truth, computed side by side so the
        rules worker takes them in a few batches."""
        from bot.dialogue.profile import build_profile

        period = self.core.clock().strftime("%Y-%m")

        def rights(persona: Persona) -> set[str]:
            result = self.eligibility.evaluate(
                build_profile(persona.moment, relevant_truth(persona), period))
            return {b["id"] for b in result["benefits"] if b.get("eligible")}

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            return dict(zip([p.id for p in personas], pool.map(rights, personas)))

    def run_persona(self, persona: Persona, expected: set[str]) -> PersonaResult:
        from bot import language
        from bot.render import render_sms

        result = PersonaResult(persona, expected_rights=expected)
        user = f"persona-{persona.id}-{uuid.uuid4().hex[:8]}"
        script = Script(persona)
        text, queued = persona.first_message, None
        state = None
        followup = "result" in persona.says  # takes the follow-up at its first result
        while True:
            replies = self.say(user, text, persona.channel)
            result.turns += 1
            with language.use(found_language(self, user, persona)):
                parts = len(render_sms(replies))
                if result.followup_parts is None:
                    result.sms_parts += parts
                    result.sms_parts_unicode += _unicode_parts(replies)
                else:
                    result.followup_parts += parts
            result.transcript.append((text, [r.text for r in replies]))
            found = self.conversation(user, persona.channel)
            state = found["state"] if found else None
            if state is None:
                break  # erased, or never created: nothing more to say
            if state == "result" and queued is None and followup \
                    and found["rights"] is not None and "followup" not in found["answers"] \
                    and result.turns < MAX_TURNS:
                # A result before the follow-up: what the persona says to it (« merci »,
                # then « encore » once offered); what follows is the follow-up's own check.
                if result.followup_parts is None:
                    result.followup_parts = 0
                text, queued = script.answer("result")
                continue
            if state == "result" and queued is None:
                # « result » with no rights computed: the check ended without its result
                # (declining a person's help from the moment menu leads there today).
                result.completed = found["rights"] is not None
                break
            if result.turns >= MAX_TURNS:
                break
            if queued is not None:
                text, queued = queued, None
            else:
                text, queued = script.answer(state, pair=found.get("pair"))
        result.final_state = state
        if found is not None:
            taken = found["answers"].get("followup")
            if taken:
                result.expected_rights = self._rights(persona, taken)
            self._score(result, found)
            spoken = found_language(self, user, persona)
            if spoken != persona.language:  # answered in a language the person did not write
                result.misfills.append(("language", spoken, persona.language))
        return result

    def _rights(self, persona: Persona, followup: list[str]) -> set[str]:
        """The rights of the persona's truth with the follow-up questions it was asked."""
        from bot.dialogue import questions
        from bot.dialogue.profile import build_profile

        keys = set(followup) | {questions.FOLLOWS[k] for k in followup if k in questions.FOLLOWS}
        truth = {**relevant_truth(persona),
                 **{k: v for k, v in persona.truth.items() if k in keys}}
        period = self.core.clock().strftime("%Y-%m")
        computed = self.eligibility.evaluate(build_profile(persona.moment, truth, period))
        return {b["id"] for b in computed["benefits"] if b.get("eligible")}

    def _score(self, result: PersonaResult, found: dict[str, Any]) -> None:
        persona = result.persona
        stored = found["answers"]
        for key, truth in persona.truth.items():
            if key in stored and not same_answer(key, stored[key], truth):
                result.misfills.append((key, stored[key], truth))
        moment = found["moment"]
        if moment and moment != persona.moment and \
                {moment, persona.moment} & MOMENTS_THAT_MATTER:
            result.misfills.append(("moment", moment, persona.moment))
        result.unanswered = [k for k in relevant_truth(persona) if k not in stored]
        result.bookings = found["bookings"]
        result.found_rights = found["rights"]

    # -- urgent sentences ----------------------------------------------------------------
    def run_urgent(self, sentences: list[tuple[str, bool]]) -> list[UrgentTrial]:
        trials = []
        for index, (sentence, urgent) in enumerate(sentences):
            first = f"urgent-first-{index}-{uuid.uuid4().hex[:6]}"
            replies = self.say(first, sentence)
            trials.append(UrgentTrial(sentence, urgent, "first", self._alarm(replies)))
            mid = f"urgent-mid-{index}-{uuid.uuid4().hex[:6]}"
            for text in ("bonjour", "oui", "5"):  # consent given, « Autre », first question
                self.say(mid, text)
            replies = self.say(mid, sentence)
            trials.append(UrgentTrial(sentence, urgent, "mid", self._alarm(replies)))
        return trials

    def _alarm(self, replies: list[Any]) -> bool:
        return any(urgent in r.text for r in replies for urgent in self.urgent_texts)


def _unicode_parts(replies: list[Any]) -> int:
    from bot.render import UCS2_LIMIT, numbered, split_parts, ucs2_length

    text = "\n".join(numbered(r) for r in replies if not r.detail)
    return len(split_parts(text, UCS2_LIMIT, ucs2_length)) if text.strip() else 0


def found_language(runner: Any, user: str, persona: Persona) -> str:
    """The language the conversation is in now (the outbox renders SMS in it)."""
    from sqlalchemy import select

    from storage.models import ChannelAddress, Conversation

    key = runner.core.address_key("web", user)
    with runner.db.session() as session:
        row = session.execute(
            select(Conversation.language).join(
                ChannelAddress, ChannelAddress.person_id == Conversation.person_id)
            .where(ChannelAddress.key == key).order_by(Conversation.id.desc())).first()
    return row[0] if row else persona.language


def _settings(database_url: str, nlu_url: str, nlu_token: str = "",
              nlu_urls: dict[str, str] | None = None) -> Any:
    from common.settings import Settings

    values: dict[str, Any] = dict(
        database_url=database_url, secret_key="conversation-eval", warm_up_rules=False,
        nlu_url=nlu_url,
        nlu_urls=",".join(f"{code}={url}" for code, url in (nlu_urls or {}).items()),
        # Rasa on a loaded 2-core machine can exceed the production timeout; a timeout here
        # would measure the machine, not what the NLU understands.
        nlu_timeout=5.0, referent_contact="CCAS Neudorf, 03 88 11 22 33")
    # Every persona and sentence is a new conversation from one client address, and the
    # questions (bench/question_eval.py) are many messages a minute in one conversation: lift
    # those limits, whatever they are named.
    for name in Settings.model_fields:
        if "new_conversations" in name or name == "messages_per_conversation_per_minute":
            values[name] = 10**6
    if nlu_token:  # the Rasa server's --auth-token: without it every parse is refused
        values["nlu_token"] = nlu_token
    return Settings(**values)


def evaluate(nlu_url: str, eligibility: Any, *, personas: list[Persona] | None = None,
             sentences: list[tuple[str, bool]] | None = None,
             progress: Callable[[str], None] | None = None, nlu_token: str = "",
             nlu_urls: dict[str, str] | None = None) -> Report:
    """Runs the personas and the urgent sentences through one real app; returns the report.

    nlu_urls: the other languages' Rasa servers ({"en": url, ...}); a language left out
    works on digits and its words."""
    personas = load_personas() if personas is None else personas
    sentences = load_urgent() if sentences is None else sentences
    problems = validate(personas)
    if problems:
        raise ValueError("bad personas:\n" + "\n".join(problems))
    say = progress or (lambda _line: None)
    with app_client(nlu_url, eligibility, nlu_token, nlu_urls) as client:
        evaluator = Evaluator(client, eligibility)
        say(f"computing the expected rights of {len(personas)} personas")
        expected = evaluator.expected_rights(personas)
        results = []
        for index, persona in enumerate(personas, 1):
            result = evaluator.run_persona(persona, expected[persona.id])
            results.append(result)
            say(f"[{index}/{len(personas)}] {persona.id}: "
                f"{'ok' if not result.failures else '; '.join(result.failures)}")
        say(f"sending {len(sentences)} urgent/ordinary sentences")
        trials = evaluator.run_urgent(sentences)
    return Report(results, trials, models=("fr", *(nlu_urls or {})))


@contextlib.contextmanager
def app_client(nlu_url: str, eligibility: Any, nlu_token: str = "",
               nlu_urls: dict[str, str] | None = None) -> Iterator[Any]:
    """The real app on a database of its own, in a temporary directory: a test client."""
    from fastapi.testclient import TestClient

    from bot.web.app import create_app
    from storage.db import Database

    with tempfile.TemporaryDirectory(prefix="conversation-eval-") as tmp:
        url = f"sqlite:///{tmp}/eval.sqlite3"
        db = Database(url)
        try:
            app = create_app(_settings(url, nlu_url, nlu_token, nlu_urls), db=db,
                             eligibility=eligibility)
            with TestClient(app) as client:
                yield client
        finally:
            db.engine.dispose()


# ------------------------------------------------------------------------------- command line

def _start_nlu(token: str, codes: list[str]) -> tuple[dict[str, str], Callable[[], None]]:
    """One Rasa server per language of `codes` (each trained if needed): {code: url}, stop."""
    from nlu import manage

    procs = {}
    try:
        for code in codes:
            model = manage.ensure_model(code)
            procs[code] = manage.start_server(manage.free_port(), model, die_with_parent=True,
                                              token=token, language=code)
    except BaseException:
        for proc in procs.values():
            manage.stop_server(proc)
        raise

    def stop() -> None:
        for proc in procs.values():
            manage.stop_server(proc)

    return {code: proc.url for code, proc in procs.items()}, stop


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(prog="python -m bench.conversation_eval",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--nlu-url", default=os.environ.get("NLU_URL"),
                        help="a running French Rasa server (default: start one)")
    parser.add_argument("--nlu-urls", default=os.environ.get("NLU_URLS"),
                        help="running servers of other languages, « en=http://...,tr=... » "
                             "(default: start one per trained language)")
    parser.add_argument("--no-language-models", action="store_true",
                        help="French's model only: the other languages on digits and words")
    parser.add_argument("--only", nargs="*", default=None, help="persona ids to run")
    parser.add_argument("--show", nargs="*", default=[], help="persona ids whose transcript to print")
    parser.add_argument("--no-urgent", action="store_true", help="skip the urgent sentences")
    parser.add_argument("-q", "--quiet", action="store_true", help="no line per persona")
    parser.add_argument("--no-questions", action="store_true",
                        help="skip the residents' questions (bench/question_eval.py)")
    parser.add_argument("--questions-only", action="store_true",
                        help="only the residents' questions")
    parser.add_argument("--held-out", nargs="?", const="held_out", default="",
                        help="a held-out set of questions (tests/conversations/questions/<name>, "
                             "default held_out), never used to tune the words")
    parser.add_argument("--question-languages", nargs="*", default=None,
                        help="the languages whose questions to ask (default: every one served)")
    args, _ignored = parser.parse_known_args(argv if argv is not None else sys.argv[1:])

    personas = load_personas()
    if args.only:
        personas = [p for p in personas if p.id in set(args.only)]
    sentences = [] if args.no_urgent else load_urgent()

    from bot.eligibility import EligibilityService
    from nlu import manage

    stops: list[Callable[[], None]] = []
    nlu_url = args.nlu_url
    nlu_urls = dict(part.strip().split("=", 1) for part in (args.nlu_urls or "").split(",")
                    if "=" in part)
    nlu_token = os.environ.get("NLU_TOKEN", "").strip() or secrets.token_urlsafe(24)
    eligibility = EligibilityService()
    eligibility.start_warm_up()
    try:
        wanted = [] if nlu_url else [manage.SOURCE]
        if not args.no_language_models and not nlu_urls:
            wanted += [c for c in manage.trained_languages() if c != manage.SOURCE]
        if wanted:
            print(f"starting the Rasa NLU servers ({', '.join(wanted)})...", flush=True)
            started, stop = _start_nlu(nlu_token, wanted)
            stops.append(stop)
            nlu_url = nlu_url or started.pop(manage.SOURCE)
            nlu_urls.update(started)
        if args.no_language_models:
            nlu_urls = {}
        eligibility._ready.wait()
        progress = None if args.quiet else (lambda line: print(line, flush=True))
        report = None if args.questions_only else evaluate(
            nlu_url.rstrip("/"), eligibility, personas=personas, sentences=sentences,
            progress=progress, nlu_token=nlu_token, nlu_urls=nlu_urls)
        questions = None
        if not args.no_questions:
            from bench import question_eval

            with app_client(nlu_url.rstrip("/"), eligibility, nlu_token, nlu_urls) as client:
                codes = args.question_languages or ["fr", *[c for c in nlu_urls if c != "fr"]]
                directory = question_eval.QUESTIONS_DIR / args.held_out
                questions = question_eval.evaluate(client, eligibility, codes, progress,
                                                   directory)
    finally:
        eligibility.close()
        for stop in stops:
            stop()
    missed = False
    if questions is not None:
        from bench import question_eval

        print()
        if args.show:
            print("\n".join(question_eval.failures(questions)))
        print("\n".join(questions.lines()), flush=True)
        missed = questions.missed()
    if report is None:
        return 1 if args.check and missed else 0
    for result in report.personas:
        if result.persona.id in set(args.show):
            print(f"\n--- {result.persona.id}")
            for said, replies in result.transcript:
                print(f"> {said}")
                for reply in replies:
                    print("  " + reply.replace("\n", "\n  "))
    print()
    print("\n".join(report.lines()), flush=True)
    return 1 if args.check and (report.missed_targets() or missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
