"""SMS cost: outbound SMS parts per completed eligibility check, one per moment of life.

Each scenario texts the bot through the real webhook (valid Twilio signatures) from
« bonjour » to the result; replies leave through the outbox and the real twilio client to a
local fake Twilio API, which counts them. Target: a median of at most 12 parts.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import uuid
from pathlib import Path

TARGET = 12
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


def run() -> dict[str, int]:
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
    parts: dict[str, int] = {}
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
            for index, (name, (choice, answers)) in enumerate(SCENARIOS.items()):
                number = f"+3361000{index:04d}"
                for text in ["bonjour", "oui", choice, *answers]:
                    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": number,
                              "To": settings.twilio_sms_from, "Body": text}
                    signature = validator.compute_signature(public + "/webhooks/twilio", params)
                    response = client.post("/webhooks/twilio", data=params,
                                           headers={"X-Twilio-Signature": signature})
                    response.raise_for_status()
                    dispatch_once(db, transports)
                bodies = fake.bodies(to=number)
                if "probablement droit" not in "\n".join(bodies) and "aide probable" not in \
                        "\n".join(bodies):
                    raise SystemExit(f"{name}: the check did not reach its result")
                # One concatenated SMS per turn: Twilio bills it by segments.
                parts[name] = sum(segments(body) for body in bodies)
        db.engine.dispose()
    return parts


def main() -> int:
    parts = run()
    for name, count in parts.items():
        print(f"  {name:30s} {count:3d} SMS parts")
    median = statistics.median(parts.values())
    verdict = "ok" if median <= TARGET else "above target"
    print(f"  median: {median:g} SMS parts per completed check (target <= {TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
