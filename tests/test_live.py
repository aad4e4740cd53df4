"""`rag.live.LiveAnswerer`: follows the active generation between questions, a question in
flight finishes on the generation it started with, and questions keep being answered
while a new answerer loads. Fake answerers; no model, no index."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

from rag.live import LiveAnswerer
from rag.types import Answer, AnswerDelta, Status, Turn


class FakeAnswerer:
    """Answers every question with the name of its generation."""

    def __init__(self, generation: str, gate: threading.Event | None = None) -> None:
        self.generation = generation
        self.gate = gate

    def stream(
        self, question: str, history: Sequence[Turn] = (), report: str | None = None
    ) -> Iterator[AnswerDelta | Answer]:
        yield AnswerDelta("…")
        if self.gate is not None:
            assert self.gate.wait(10)
        yield Answer(
            question=question,
            resolved_question=question,
            text=self.generation,
            refused=False,
            mode="extractive",
        )

    def status(self) -> Status:
        return Status(ok=True, mode="extractive", reports=(self.generation,))

    def examples(self) -> list[str]:
        return [f"{self.generation}?"]


class Index:
    """The active generation, changed by the test as an ingest would."""

    def __init__(self) -> None:
        self.active = "g1"
        self.builds: list[str] = []
        self.slow_build = threading.Event()
        self.slow_build.set()

    def build(self) -> FakeAnswerer:
        generation = self.active
        assert self.slow_build.wait(10)
        self.builds.append(generation)
        return FakeAnswerer(generation)


def _final(stream: Iterator[AnswerDelta | Answer]) -> str:
    return next(item.text for item in stream if isinstance(item, Answer))


def test_switches_to_a_new_generation_between_questions() -> None:
    index = Index()
    live = LiveAnswerer(index.build, lambda: index.active)
    assert _final(live.stream("q")) == "g1"
    assert live.refresh() is False  # nothing changed: no rebuild
    index.active = "g2"
    assert live.refresh() is True
    assert _final(live.stream("q")) == "g2"
    assert live.status().reports == ("g2",) and live.examples() == ["g2?"]
    assert index.builds == ["g1", "g2"]


def test_a_question_in_flight_finishes_on_its_generation() -> None:
    index = Index()
    gate = threading.Event()
    live = LiveAnswerer(lambda: FakeAnswerer(index.active, gate), lambda: index.active)
    stream = live.stream("q")
    assert isinstance(next(stream), AnswerDelta)  # started on g1
    index.active = "g2"
    live.refresh()
    gate.set()
    assert _final(stream) == "g1"
    assert _final(live.stream("q")) == "g2"


def test_questions_are_answered_while_the_next_answerer_loads() -> None:
    index = Index()
    live = LiveAnswerer(index.build, lambda: index.active)
    live.refresh()
    index.active = "g2"
    index.slow_build.clear()
    loader = threading.Thread(target=live.refresh)
    loader.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert _final(live.stream("q")) == "g1"  # the old answerer, at once
    assert time.monotonic() - started < 1.0
    index.slow_build.set()
    loader.join(5)
    assert _final(live.stream("q")) == "g2"


def test_watch_follows_the_index_in_the_background() -> None:
    index = Index()
    live = LiveAnswerer(index.build, lambda: index.active)
    live.refresh()
    live.watch(every_s=0.05)
    try:
        index.active = "g3"
        deadline = time.monotonic() + 5
        while live.generation != "g3" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert live.generation == "g3"
    finally:
        live.stop()


def test_a_failing_generation_probe_keeps_the_current_answerer() -> None:
    index = Index()
    calls = {"n": 0}

    def active() -> str:
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError("index unreadable")
        return index.active

    live = LiveAnswerer(index.build, active)
    live.refresh()
    assert live.refresh() is False
    assert _final(live.stream("q")) == "g1"
