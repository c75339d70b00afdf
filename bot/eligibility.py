"""The eligibility check as the application uses it: warmed up in the background at start.

Loading OpenFisca and its first computation take about 11 s; the web server must answer
meanwhile, so the engine warms up in a thread and `/healthz` says "warming" until then. A
check asked during warm-up waits for it rather than failing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rules.catalogue import Benefit, load_catalogue
from rules.engine import RulesEngine

log = logging.getLogger(__name__)


class EligibilityService:
    def __init__(self, engine: RulesEngine | None = None):
        self.catalogue = {benefit.id: benefit for benefit in load_catalogue()}
        self.engine = engine or RulesEngine(list(self.catalogue.values()))
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread: threading.Thread | None = None
        # OpenFisca's tax-benefit system is shared: one computation at a time keeps it safe.
        self._lock = threading.Lock()

    def start_warm_up(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._warm_up, name="rules-warm-up",
                                            daemon=True)
            self._thread.start()

    def _warm_up(self) -> None:
        try:
            with self._lock:
                self.engine.warm_up()
        except BaseException as error:  # noqa: BLE001 - reported by status and evaluate
            log.exception("rules engine failed to warm up")
            self._failed = error
        finally:
            self._ready.set()

    @property
    def status(self) -> str:
        return "ready" if self._ready.is_set() and self._failed is None else "warming"

    def evaluate(self, profile: dict) -> dict[str, Any]:
        self.start_warm_up()
        self._ready.wait()
        if self._failed is not None:
            raise RuntimeError("rules engine unavailable") from self._failed
        with self._lock:
            return self.engine.evaluate(profile)

    def benefit(self, benefit_id: str) -> Benefit:
        return self.catalogue[benefit_id]
