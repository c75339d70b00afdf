"""The NLU client used by the dialogue core: Rasa's POST /model/parse, with a timeout and a fallback.

    client = NluClient(os.environ.get("NLU_URL", "http://127.0.0.1:5005"))
    it = client.parse("jgagne mille deux cents")   # never raises
    it.intent, it.confidence, it.entities, it.source

When the service does not answer (timeout, connection refused, bad answer), parse() returns
fallback_parse(text) and the service is considered down for DOWN_FOR seconds, so a dead server
costs one timeout, not one per message. Words of danger are always caught: if Rasa does not say
urgent_help but the keyword safety net does, the result is urgent_help.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import httpx

from nlu.fallback import (
    Interpretation,
    benefit_id,
    extract_entities,
    fallback_parse,
    housing_status,
    is_ordinary,
    is_urgent,
    to_number,
)

__all__ = ["Interpretation", "LanguageNlu", "NluClient", "fallback_parse", "DEFAULT_URL"]

DEFAULT_URL = "http://127.0.0.1:5005"
CONFIDENCE_THRESHOLD = 0.5  # below it the intent is None ("nothing reliable")
NUMERIC_ENTITIES = ("amount", "age", "number")


def normalise_entities(raw_entities: list[dict], text: str = "",
                       number_reader: Callable[[str], int | float | None] | None = None,
                       ) -> dict[str, list]:
    """Rasa's entity list -> {name: [normalised values]} (numbers as int/float, benefit ids...).

    number_reader: how numbers in words are read in the text's language (default French)."""
    to_num = number_reader or to_number
    out: dict[str, list] = {}
    for ent in _merge_split_numbers(raw_entities or [], text):
        name = ent.get("entity")
        value = ent.get("value")
        if not name or value is None:
            continue
        if name in NUMERIC_ENTITIES:
            if text and "start" in ent and "end" in ent:
                # DIET may tag « mille » of « mille deux cents »: read the whole number.
                start, end = _widen_number_span(text, ent["start"], ent["end"])
                if (start, end) != (ent["start"], ent["end"]):
                    value = text[start:end]
            value = value if isinstance(value, (int, float)) else to_num(str(value))
            if value is None and text and "start" in ent and "end" in ent:
                value = to_num(text[ent["start"]: ent["end"]])
        elif name == "benefit":
            value = value if _is_benefit_id(value) else benefit_id(str(value))
        elif name == "housing_status":
            value = value if value in _HOUSING else housing_status(str(value))
        if value is None:
            continue
        values = out.setdefault(name, [])
        if value not in values:
            values.append(value)
    return out


_NUMBER_WORDS = {
    "zero", "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
    "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize", "vingt", "vingts",
    "trente", "quarante", "cinquante", "soixante", "cent", "cents", "mille",
}
_WORD = re.compile(r"[\w'-]+")


def _is_number_word(word: str) -> bool:
    parts = [p for p in word.lower().split("-") if p]
    return bool(parts) and all(p in _NUMBER_WORDS or p == "et" or p.isdigit() for p in parts)


def _widen_number_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Grows [start, end) over the number words next to it (« deux cents » around « cents »)."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    inside = [i for i, (s, e, _) in enumerate(words) if s < end and e > start]
    if not inside or not all(_is_number_word(words[i][2]) for i in inside):
        return start, end
    first, last = inside[0], inside[-1]
    while first > 0 and _is_number_word(words[first - 1][2]):
        first -= 1
    while last + 1 < len(words) and _is_number_word(words[last + 1][2]):
        last += 1
    # « et » joins numbers (« vingt et un ») but never starts or ends one.
    while first < last and words[first][2].lower() == "et":
        first += 1
    while last > first and words[last][2].lower() == "et":
        last -= 1
    return words[first][0], words[last][1]


def _merge_split_numbers(raw_entities: list[dict], text: str) -> list[dict]:
    """DIET may tag "mille deux cents" as two amounts ("mille", "deux cents"): join neighbours."""
    if not text:
        return list(raw_entities)
    merged: list[dict] = []
    for ent in sorted(raw_entities, key=lambda e: e.get("start", 0)):
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and ent.get("entity") in NUMERIC_ENTITIES
            and prev.get("entity") == ent.get("entity")
            and "start" in ent and "end" in prev
            and re.fullmatch(r"[\s-]*(et)?[\s-]*", text[prev["end"]: ent["start"]])
        ):
            joined = text[prev["start"]: ent["end"]]
            merged[-1] = dict(prev, end=ent["end"], value=joined)
            continue
        merged.append(dict(ent))
    return merged


def _is_benefit_id(value) -> bool:
    from nlu.fallback import BENEFIT_SYNONYMS

    return value in BENEFIT_SYNONYMS


_HOUSING = {"tenant", "social_tenant", "owner", "hosted", "homeless"}


class NluClient:
    DOWN_FOR = 30.0  # seconds during which a failed service is not called again
    STATUS_TTL = 5.0  # is_up() answers from cache for this long

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 0.8,
                 threshold: float = CONFIDENCE_THRESHOLD, token: str = "",
                 number_reader: Callable[[str], int | float | None] | None = None):
        self.url = url.rstrip("/")
        # Numbers in words of the model's language (French's text2num when None).
        self.number_reader = number_reader
        # Rasa runs with --auth-token; it reads the token from the query string only.
        self._params = {"token": token} if token else {}
        self.timeout = timeout
        self.threshold = threshold
        self._down_until = 0.0
        self._status: tuple[float, bool] | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 0.5)))

    # ------------------------------------------------------------------ state
    def _mark_down(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.DOWN_FOR
            self._status = (time.monotonic(), False)

    def _mark_up(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self._status = (time.monotonic(), True)

    def is_up(self) -> bool:
        """Whether the NLU service answers; cached a few seconds (cheap enough for /healthz)."""
        now = time.monotonic()
        with self._lock:
            if self._status and now - self._status[0] < self.STATUS_TTL:
                return self._status[1]
        try:
            resp = self._http.get(f"{self.url}/status", params=self._params)
            ok = resp.status_code == 200
        except (httpx.HTTPError, OSError):
            ok = False
        if ok:
            self._mark_up()
        else:
            self._mark_down()
        return ok

    # ------------------------------------------------------------------ parsing
    def parse(self, text: str) -> Interpretation:
        """Interpret `text`; never raises."""
        text = text if isinstance(text, str) else str(text or "")
        if not text.strip():
            return Interpretation(None, 0.0, {}, "fallback")
        if time.monotonic() < self._down_until:
            return fallback_parse(text)
        try:
            resp = self._http.post(f"{self.url}/model/parse", json={"text": text},
                                   params=self._params)
            resp.raise_for_status()
            data = resp.json()
            result = self._from_rasa(data, text)
        except Exception:  # noqa: BLE001 - timeouts, refused connections, bad JSON, bad shape
            self._mark_down()
            return fallback_parse(text)
        self._mark_up()
        return result

    def _from_rasa(self, data: dict, text: str) -> Interpretation:
        intent_info = data.get("intent") or {}
        if not isinstance(intent_info, dict):
            raise ValueError("bad intent")
        name = intent_info.get("name")
        confidence = float(intent_info.get("confidence") or 0.0)
        if name == "nlu_fallback":
            # FallbackClassifier replaced a weak guess: keep the best real intent's confidence
            ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
            confidence = float(ranking[0].get("confidence") or 0.0) if ranking else 0.0
            name = None
        elif confidence < self.threshold:
            name = None
        entities = normalise_entities(data.get("entities") or [], text, self.number_reader)
        # numbers Rasa did not tag (e.g. a bare "1200" answering "how much do you earn?")
        if not any(k in entities for k in NUMERIC_ENTITIES):
            for key, values in extract_entities(text).items():
                if key in NUMERIC_ENTITIES:
                    entities[key] = values
        if name != "urgent_help" and is_urgent(text):
            return Interpretation("urgent_help", max(confidence, 0.9), entities, "rasa")
        if name == "urgent_help" and is_ordinary(text):
            name = None  # a figure of speech: no emergency numbers for « ça me tue »
        return Interpretation(name, confidence, entities, "rasa")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NluClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LanguageNlu:
    """One Rasa server per language: `parse(text)` asks French's, `parse_in(text, code)` the
    model of the conversation's language.

    A language without a server configured, or whose server does not answer, gives None:
    the dialogue then works on digits and the language's words, as it did before its model
    (French's keyword fallback would read another language as French). French keeps its
    keyword fallback. The words-of-danger net applies to every language's reading.
    """

    def __init__(self, clients: dict[str, NluClient], source: str = "fr"):
        if source not in clients:
            raise ValueError(f"no client for the source language {source!r}")
        self.clients = dict(clients)
        self.source = source

    @property
    def languages(self) -> list[str]:
        return list(self.clients)

    def parse(self, text: str) -> Interpretation:
        return self.clients[self.source].parse(text)

    def parse_in(self, text: str, language: str) -> Interpretation | None:
        """`text` read by the model of `language`; None when that language has none up."""
        if language == self.source:
            return self.parse(text)
        client = self.clients.get(language)
        if client is None:
            return None
        result = client.parse(text)
        return None if result.source == "fallback" else result

    def is_up(self) -> bool:
        """Whether French's server answers (what /healthz's `nlu` has always meant)."""
        return self.clients[self.source].is_up()

    def status(self) -> dict[str, bool]:
        """Each language's server: answering or not."""
        return {code: client.is_up() for code, client in self.clients.items()}

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def __enter__(self) -> LanguageNlu:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
