"""Language detection: what the detector of first messages costs, and how often it is right.

bot/detect.py asks lingua (restricted to the languages of locales/) about a first message
written in Latin script with enough words. This measures its load time and the memory it
adds to a process (resident set size before and after), the time per message, and, on the
first messages and answers of the conversation evaluation's residents, how many French
messages it would wrongly switch (the target is none) and how many others it recognises.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(low_accuracy: bool) -> int:
    from bench import conversation_eval as ev
    from bot import detect, language

    before = _rss_mb()
    start = time.perf_counter()
    # The models load at the first question about each language: ask once in each.
    for sample in ["bonjour je voudrais connaitre mes droits",
                   "hello I would like to know my rights", "merhaba haklarımı öğrenmek istiyorum"]:
        detect.guess(sample, low_accuracy=low_accuracy)
    loaded = time.perf_counter() - start
    after = _rss_mb()
    personas = ev.load_personas()
    messages = []
    for persona in personas:
        said = [persona.first_message] + [v for v in persona.says.values() if isinstance(v, str)]
        messages += [(persona.language, text) for text in said]
    times, wrong_switch = [], 0
    for code, text in messages:
        start = time.perf_counter()
        guess = detect.guess(text, low_accuracy=low_accuracy)
        if len(detect._WORD.findall(text)) >= detect.MIN_WORDS:
            times.append((time.perf_counter() - start) * 1000)
        if code == language.SOURCE and guess not in (None, language.SOURCE):
            wrong_switch += 1
    firsts = [p for p in personas if p.language != language.SOURCE
              and len(detect._WORD.findall(p.first_message)) >= detect.MIN_WORDS]
    found = sum(detect.guess(p.first_message, low_accuracy=low_accuracy) == p.language
                for p in firsts)
    mode = "low-accuracy mode (used)" if low_accuracy else "full mode"
    print(f"  lingua {mode}, {', '.join(language.available())}: loaded in {loaded:.2f} s, "
          f"{after - before:.0f} MB resident added; {len(times)} messages of "
          f"{detect.MIN_WORDS}+ words: median {statistics.median(times):.2f} ms, "
          f"max {max(times):.1f} ms")
    print(f"    French messages switched: {wrong_switch} of "
          f"{sum(c == language.SOURCE for c, _ in messages)}; other languages' first messages "
          f"recognised: {found}/{len(firsts)}")
    return wrong_switch


def main() -> int:
    # The mode used first: the full mode's models would otherwise count in its memory.
    wrong = measure(low_accuracy=True)
    measure(low_accuracy=False)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
