"""The translations' state, for reviewers and for the merge of new French texts.

    python -m bot.i18n check     # what each language misses; exit 1 if any key is missing
    python -m bot.i18n update    # adds new French keys to every .po, marks changed ones

A translation must keep the French text's placeholders ({contact}) and every number it
holds (the emergency numbers above all: 17, 112, 3919, 119, 115, 3114) as written.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from bot import language, messages, rights

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Numbers of two digits or more (emergency numbers, postcodes, examples) are kept as written;
# a lone digit may become a word (« les 5 chiffres »), and French school years (« 4e ») go.
NUMBER = re.compile(r"(?<!\d)\d{2,}(?!\d)")


@dataclass
class Report:
    code: str
    missing: list[str] = field(default_factory=list)  # no entry, or an empty translation
    stale: list[str] = field(default_factory=list)  # translated from an older French text
    fuzzy: list[str] = field(default_factory=list)  # awaiting a native speaker's review
    broken: list[str] = field(default_factory=list)  # placeholders or numbers changed
    unknown: list[str] = field(default_factory=list)  # keys the French no longer has

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.broken)


def problems(source: str, translation: str) -> list[str]:
    """Why a translation cannot stand for its French source (empty when it can)."""
    found = []
    if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
        found.append("placeholders differ")
    if not set(NUMBER.findall(source)) <= set(NUMBER.findall(translation)):
        found.append("numbers differ")
    return found


def entries() -> dict[str, str]:
    """Every French text residents read: the messages, then the rights' texts."""
    return {**messages.catalogue_entries(), **rights.entries()}


def check(code: str) -> Report:
    sources = entries()
    po = language.catalogue(code)
    report = Report(code)
    for key, source in sources.items():
        entry = po.get(key)
        if entry is None or not entry[1].strip():
            report.missing.append(key)
        elif entry[0] != source:
            report.stale.append(key)
        else:
            if entry[2]:
                report.fuzzy.append(key)
            if problems(source, entry[1]):
                report.broken.append(f"{key}: {', '.join(problems(source, entry[1]))}")
    report.unknown = sorted(set(po) - set(sources))
    return report


def update(code: str) -> int:
    """Brings a .po in line with the French: new keys added empty, changed ones fuzzy."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = language.LOCALES / code / "LC_MESSAGES" / "messages.po"
    old = {}
    if path.exists():
        with path.open("rb") as handle:
            old = {m.context: m for m in read_po(handle, locale=code) if m.id and m.context}
    catalog = Catalog(locale=code, project="Passerelle", fuzzy=False)
    changed = 0
    for key, source in entries().items():
        previous = old.get(key)
        if previous is None:
            catalog.add(source, "", context=key)
            changed += 1
        elif previous.id != source:
            # The French changed: keep the old translation as a starting point, for review.
            catalog.add(source, previous.string, context=key, flags={"fuzzy"},
                        previous_id=previous.id, auto_comments=previous.auto_comments)
            changed += 1
        else:
            catalog.add(source, previous.string, context=key, flags=previous.flags,
                        auto_comments=previous.auto_comments, user_comments=previous.user_comments)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, include_previous=True)
    language.catalogue.cache_clear()
    return changed


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    command = args[0] if args else "check"
    codes = args[1:] or [c for c in language.available() if c != language.SOURCE]
    if command == "update":
        for code in codes:
            print(f"{code}: {update(code)} entries added or changed")
        return 0
    if command != "check":
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    total = len(entries())
    for code in codes:
        report = check(code)
        print(f"{code}: {total - len(report.missing) - len(report.stale)}/{total} translated, "
              f"{len(report.fuzzy)} awaiting review (fuzzy), {len(report.missing)} missing, "
              f"{len(report.stale)} stale, {len(report.broken)} broken")
        for label, keys in (("missing", report.missing), ("stale (French changed)", report.stale),
                            ("broken", report.broken)):
            for key in keys:
                print(f"  {label}: {key}")
        if not report.ok:
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
