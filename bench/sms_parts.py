"""SMS cost: outbound SMS parts per completed eligibility check, one per moment of life.

Each scenario texts the bot through the real webhook (valid Twilio signatures) from
« bonjour » to the result; replies leave through the outbox and the real twilio client to a
local fake Twilio API, which counts them, up to the result (the facts read back confirmed).
Target: a median of at most 12 parts.

Then the same resident asks how to claim two of their rights (« DETAILS 1 », « DETAILS 2 »):
greeting to result plus those two cards, at most 18 parts in French and English and 24 in
Turkish and Arabic (issue 26; DETAILS once sent every card at once, 30 parts for one resident).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import uuid
from pathlib import Path

TARGET = 12
WITH_DETAILS = {"fr": 18, "en": 18, "tr": 24, "ar": 24}
# The first message in each language (the conversation is then in it), the consent's yes.
OPENINGS = {"fr": ("bonjour", "oui"),
            "en": ("Hello, I would like to know my rights", "yes"),
            "tr": ("Merhaba, haklarımı öğrenmek istiyorum", "evet"),
            "ar": ("السلام عليكم، أريد أن أعرف حقوقي", "نعم")}
DETAILS = ["DETAILS 1", "DETAILS 2"]
SCENARIOS = {
    # moment: (menu choice, answers), as in tests/bot/test_scenarios.py
    "je deviens adulte": ("1", ["19", "67100", "1", "4", "2", "0", "0"]),
    "j'attends un enfant": ("2", ["23", "67100", "1", "4", "2", "0", "0"]),
    "j'élève seul·e mes enfants": ("3", ["35", "67100", "4 et 9", "1", "600", "2", "900", "0"]),
    "je deviens senior": ("4", ["70", "67100", "1", "1", "450", "600", "0"]),
}


SEGMENT_LIMIT = 153  # septets in one segment of a concatenated SMS (the rest is its header)


def segments(body: str) -> int:
    """SMS billed for one message: 1 up to 160 GSM-7 septets, else one per 153."""
    from bot.render import SMS_LIMIT, gsm7_length

    length = gsm7_length(body)
    return 1 if length <= SMS_LIMIT else -(-length // SEGMENT_LIMIT)


def cases() -> list[tuple[str, str, str, list[str]]]:
    """(name, language, menu choice, answers): every moment in French, two in each other."""
    found = [(name, "fr", choice, answers) for name, (choice, answers) in SCENARIOS.items()]
    for code in ("en", "tr", "ar"):
        for name in ("j'élève seul·e mes enfants", "je deviens senior"):
            choice, answers = SCENARIOS[name]
            found.append((f"{name} ({code})", code, choice, answers))
    return found


def run() -> dict[str, tuple[str, int, int]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from fastapi.testclient import TestClient
    from twilio.request_validator import RequestValidator

    from bot.eligibility import EligibilityService
    from bot.web.app import create_app
    from bot.worker import dispatch_once
    from common.settings import Settings
    from storage.db import Database
    from tests.bot.channels.fakes import FakeTwilio

    public, token = "https://passerelle.example.test", "bench-token"
    validator = RequestValidator(token)
    eligibility = EligibilityService()
    eligibility.start_warm_up()
    eligibility._ready.wait()
    parts: dict[str, tuple[str, int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeTwilio() as fake:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        settings = Settings(database_url=url, secret_key="bench", warm_up_rules=False,
                            nlu_url="http://127.0.0.1:9", nlu_timeout=0.2,
                            public_base_url=public, twilio_account_sid="AC" + "0" * 32,
                            twilio_auth_token=token, twilio_sms_from="+33700000000",
                            twilio_api_base=fake.base, outbox_interval=0)
        db = Database(url)
        with TestClient(create_app(settings, db=db, eligibility=eligibility)) as client:
            transports = client.app.state.channels.transports
            for index, (name, code, choice, answers) in enumerate(cases()):
                number = f"+3361000{index:04d}"

                def text_in(text: str, number: str = number) -> None:
                    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": number,
                              "To": settings.twilio_sms_from, "Body": text}
                    signature = validator.compute_signature(public + "/webhooks/twilio", params)
                    response = client.post("/webhooks/twilio", data=params,
                                           headers={"X-Twilio-Signature": signature})
                    response.raise_for_status()
                    dispatch_once(db, transports)

                # « 1 »: yes to the facts read back before the result.
                for text in [*OPENINGS[code], choice, *answers, "1"]:
                    text_in(text)
                bodies = fake.bodies(to=number)
                if "€" not in bodies[-1] or "1." not in bodies[-1]:
                    raise SystemExit(f"{name}: the check did not reach its result")
                # One concatenated SMS per turn: Twilio bills it by segments.
                check = sum(segments(body) for body in bodies)
                for text in DETAILS:
                    text_in(text)
                cards = sum(segments(body) for body in fake.bodies(to=number)[len(bodies):])
                parts[name] = (code, check, cards)
        db.engine.dispose()
    return parts


def main() -> int:
    parts = run()
    print(f"  {'resident':36s} {'check':>5s} {'+2 DETAILS':>10s} {'total':>5s} (target)")
    for name, (code, check, cards) in parts.items():
        limit = WITH_DETAILS[code]
        verdict = "" if check + cards <= limit else "  above target"
        print(f"  {name:36s} {check:5d} {cards:10d} {check + cards:5d} ({limit}){verdict}")
    french = [check for code, check, _ in parts.values() if code == "fr"]
    median = statistics.median(french)
    verdict = "ok" if median <= TARGET else "above target"
    print(f"  median (French): {median:g} SMS parts per completed check (target <= {TARGET}: "
          f"{verdict})")
    over = sum(check + cards > WITH_DETAILS[code] for code, check, cards in parts.values())
    print(f"  greeting to result plus two rights' DETAILS: {over} of {len(parts)} above target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
