"""An answerer that follows the index: a new generation is picked up between questions.

The web app serves for days while reports are added from the browser or by
`reportqa ingest` in another process. `LiveAnswerer` holds the answerer of one
index generation; `refresh()` compares that generation with the active one (a
cheap read of the pointer) and, when they differ, builds an answerer for the new
one and swaps it in. A question takes the answerer current when it starts and
keeps it to the end, so it is answered from one generation only; questions keep
being answered by the old answerer while the new one loads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from rag.types import Answer, AnswerDelta, Status, Turn

log = logging.getLogger("reportqa.live")


class AnswererLike(Protocol):
    """What the app needs from an answerer (`rag.chain.Answerer` and its stand-ins)."""

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]: ...

    def status(self) -> Status: ...

    def examples(self) -> list[str]: ...


@dataclass(frozen=True)
class Serving:
    """An answerer and the index generation it answers from ("" = no index)."""

    generation: str
    answerer: AnswererLike


class LiveAnswerer:
    """Answers with the current generation's answerer; `refresh` follows the index.

    `build()` makes an answerer for the generation active when it is called (it
    must not raise: stand-ins explain problems); `active()` returns the active
    generation's name. `watch(every_s)` refreshes in a background thread.
    """

    def __init__(
        self,
        build: Callable[[], AnswererLike],
        active: Callable[[], str],
        *,
        serving: Serving | None = None,
    ) -> None:
        self._build = build
        self._active = active
        self._serving = serving
        self._swap_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def serving(self) -> Serving:
        """The answerer questions start on now (built on first use)."""
        current = self._serving
        if current is None:
            self.refresh()
            current = self._serving
        assert current is not None
        return current

    @property
    def generation(self) -> str:
        return self.serving.generation

    def refresh(self) -> bool:
        """Swap in an answerer for the active generation if it changed; True if swapped.

        Only one refresh builds at a time; questions are not blocked meanwhile.
        """
        with self._swap_lock:
            try:
                wanted = self._active()
            except Exception:
                log.exception("could not read the active generation")
                return False
            if self._serving is not None and self._serving.generation == wanted:
                return False
            # The generation is read before building: if it moves on during the build,
            # the next refresh notices and builds again.
            answerer = self._build()
            self._serving = Serving(wanted, answerer)
            log.info("answering from index generation %s", wanted or "(none)")
            return True

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]:
        """Answer on the generation current at the start, whatever happens meanwhile."""
        serving = self.serving
        yield from serving.answerer.stream(question, history, report)

    def status(self) -> Status:
        return self.serving.answerer.status()

    def examples(self) -> list[str]:
        return self.serving.answerer.examples()

    def watch(self, every_s: float = 2.0) -> None:
        """Refresh every `every_s` seconds in a daemon thread, until `stop()`."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(every_s):
                try:
                    self.refresh()
                except Exception:
                    log.exception("refreshing the answerer failed")

        self._thread = threading.Thread(target=loop, name="reportqa-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the watch thread (if any)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
