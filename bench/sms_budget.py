"""SMS budget: the parts every scripted resident of the conversation evaluation costs over SMS.

The residents of tests/conversations/ answer the way people text (digits, words, typos,
corrections, « je sais pas », several facts at once); each check is run to its result,
greeting included, and its replies are rendered for SMS as Twilio bills them, in the
conversation's language. This runs on the keyword fallback (no Rasa) to stay quick;
`make conversation-eval` runs the same residents through the real NLU. Targets (issues 12
and 17): at most 12 parts for every resident in French and English, 16 in Arabic (sent in
UCS-2, 70 characters a part) and Turkish. For Turkish, the parts its checks would take in
UCS-2 (letters ş ğ ı kept) are printed beside those it takes folded to GSM-7 (bot/render.py).
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
    status = 0
    for code in sorted({r.persona.language for r in report.personas},
                       key=lambda c: (c != "fr", c)):
        group = [r for r in report.personas if r.persona.language == code]
        limit = ev.sms_part_limit(code)
        parts = [r.sms_parts for r in group if r.completed]
        print(f"{code}:")
        by_count = collections.Counter(parts)
        for count in sorted(by_count):
            print(f"  {count:3d} SMS parts: {by_count[count]:3d} residents {'#' * by_count[count]}")
        over = [r.persona.id for r in group if r.sms_parts > limit]
        unicode = [r.sms_parts_unicode for r in group if r.completed]
        also = (f"; in UCS-2 median {statistics.median(unicode):g}, max {max(unicode)}"
                if code == "tr" and unicode else "")
        print(f"  {code}: {len(parts)} checks completed of {len(group)}; median "
              f"{statistics.median(parts) if parts else 0:g}, max {max(parts, default=0)} SMS "
              f"parts (limit {limit}){also}; over {limit}: {len(over)}"
              f"{' (' + ', '.join(over) + ')' if over else ''}")
        if code != "fr" and over:
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
