"""SMS budget: the parts every scripted resident of the conversation evaluation costs over SMS.

The residents of tests/conversations/ answer the way people text (digits, words, typos,
corrections, « je sais pas », several facts at once); each check is run to its result,
greeting included, and its replies are rendered for SMS as Twilio bills them. This runs on
the keyword fallback (no Rasa) to stay quick; `make conversation-eval` runs the same
residents through the real NLU. Target (issue 12): at most 12 parts for every resident.
"""

from __future__ import annotations

import collections
import statistics

TARGET = 12


def main() -> int:
    from bench import conversation_eval as ev
    from bot.eligibility import EligibilityService

    eligibility = EligibilityService()
    eligibility.start_warm_up()
    eligibility._ready.wait()
    try:
        report = ev.evaluate("http://127.0.0.1:9", eligibility, sentences=[])
    finally:
        eligibility.close()
    parts = [r.sms_parts for r in report.personas if r.completed]
    by_count = collections.Counter(parts)
    for count in sorted(by_count):
        print(f"  {count:3d} SMS parts: {by_count[count]:3d} residents {'#' * by_count[count]}")
    over = [r.persona.id for r in report.personas if r.sms_parts > TARGET]
    print(f"  {len(parts)} checks completed of {len(report.personas)}; median "
          f"{statistics.median(parts):g}, max {max(parts)} SMS parts; over {TARGET}: "
          f"{len(over)}{' (' + ', '.join(over) + ')' if over else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
