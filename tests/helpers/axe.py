"""axe-core run inside the page under test: any WCAG 2.1 A or AA violation fails the test.

axe-core comes from the npm registry as a project file (package.json, `make test` installs
it into node_modules/); it is injected into the page, nothing is downloaded while testing.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(result =>
  result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               targets: v.nodes.map(n => n.target.join(' '))})))"""


@cache
def _source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm install --no-audit --no-fund` (make test does)")
    return AXE_JS.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """The page's WCAG 2.1 A/AA violations as axe reports them (rule id, impact, targets)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's devtools protocol, which the pages' Content-Security-
        # Policy does not govern: an injected <script> tag would be refused by it.
        page.evaluate(_source())
    return page.evaluate(_RUN, WCAG_21_AA)


def assert_accessible(page, where: str = "") -> None:
    found = violations(page)
    assert not found, f"axe-core: WCAG 2.1 A/AA violations on {where or page.url}:\n" + "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'])}" for v in found)
