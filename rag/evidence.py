"""Evidence units scored for a question: shared by the reranker, routing and the answerer.

Every evidence unit (sentence, short-line block, table row) of the retrieved
chunks gets a feature vector (`evidence_features`) and a score: the `FeatureWeights` of
`ScoringSettings` times the features, times the chunk's retrieval-rank prior and,
for acknowledgements and the copyright notice, a peripheral factor. The features:

- lexical: the question's weighted term coverage of the unit;
- context: the same over the chunk's section path and (embedded) text;
- overlap: the share of the question's character bigrams the unit holds;
- semantic: the unit's e5 similarity minus the best unit's (0 without vectors);
- figures: how many of the figures the question asserts the unit states;
- type fit: how well the unit fits the question's intent (a date for a date question);
- toc: 1 for a table-of-contents line when the question is not about structure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rag.figures import find_numbers, has_date, in_asked_unit
from rag.lexicon import Lexicon
from rag.lexicon.words import alternation
from rag.question import Cue, Intent, Question
from rag.sentences import evidence_units
from rag.textnorm import char_pairs
from rag.types import Retrieved


@dataclass(frozen=True)
class FeatureWeights:
    """The weight of each of the `Features` in an evidence unit's score (a penalty is
    a negative weight). These defaults were set by hand on the seed report; the
    answerer uses the weights fitted across the tuning reports (`rag/scoring.toml`,
    `python -m evals.fit`), which start from these."""

    lexical: float = 0.55
    context: float = 0.2
    overlap: float = 0.25
    semantic: float = 4.0
    figures: float = 0.15
    type_fit: float = 1.0
    toc: float = -0.4

    def vector(self) -> tuple[float, ...]:
        """The weights in the order of `Features.vector`."""
        return (
            self.lexical,
            self.context,
            self.overlap,
            self.semantic,
            self.figures,
            self.type_fit,
            self.toc,
        )


@dataclass(frozen=True)
class Selection:
    """Which units besides the best one an answer may use, by their share of its score."""

    # A runner-up holding the asked figure may stand in for a best passage without one.
    runner_up_ratio: float = 0.6
    # A unit scoring within this share of the best one is kept even when it names no
    # question word the answer lacks: the two are near-tied, and which of them holds the
    # fact is a toss-up (「三类产品的占比分别为…」 after the sentence naming them). 0 turns
    # it off; fitted end to end leave one report out (`python -m evals.fit_answer`,
    # stored in rag/selection.toml).
    keep_ratio: float = 0.0


@dataclass(frozen=True)
class ScoringSettings:
    """Evidence scoring and answer selection, calibrated on the dev split of the eval set
    (see README, 'Refusal calibration')."""

    weights: FeatureWeights = field(default_factory=FeatureWeights)
    rank_decay: float = 0.15
    # Acknowledgements and the copyright notice count this much unless asked about.
    peripheral_factor: float = 0.5
    # Below this share of the question's term weight in the best unit, refuse. Swept on the
    # five tuning reports' 78-item sets (README, "Library"): 0.2 → 0.15 → 0.10 lowered
    # false refusal 0.047 → 0.037 → 0.031 and raised key-fact 0.854 → 0.861, refusal of
    # unanswerables unchanged (0.788) on every report; 0.05 is the same as 0.10.
    refuse_below: float = 0.1
    max_sentences: int = 2
    max_list_sentences: int = 4
    max_span_chars: int = 180
    max_row_chars: int = 320
    selection: Selection = field(default_factory=Selection)
    # The weight of a report term named in about one passage in twenty or fewer: such a
    # term (科惠保, 商业航天保险) is the subject of one case, and a figure asked of it
    # must come from that case.
    case_name_weight: float = 3.0


@dataclass(frozen=True)
class Features:
    """What the score of one evidence unit is made of (see the module docstring)."""

    lexical: float
    context: float
    overlap: float
    semantic: float
    figures: float
    type_fit: float
    toc: float

    def vector(self) -> tuple[float, ...]:
        """The features in field order (the order of `ScoringSettings.weights`)."""
        return (
            self.lexical,
            self.context,
            self.overlap,
            self.semantic,
            self.figures,
            self.type_fit,
            self.toc,
        )

    def dot(self, weights: FeatureWeights) -> float:
        """weights · features, summed in field order."""
        total = 0.0
        for weight, value in zip(weights.vector(), self.vector(), strict=True):
            total += weight * value
        return total


@dataclass(frozen=True)
class Evidence:
    """A scored candidate: a verbatim span (sentence or clause window) of a retrieved chunk."""

    text: str
    retrieved: Retrieved
    score: float
    coverage: float
    sentence_index: int
    similarity: float = 0.0


def term_in(term: str, text: str) -> float:
    """1 if the term occurs; partial credit when it is an abbreviation of text (a subsequence)."""
    if term in text:
        return 1.0
    if len(term) >= 3 and _is_spread_subsequence(term, text):
        return 0.8
    if len(term) == 2 and _is_spread_subsequence(term, text, window=3):
        return 0.7  # 科创 ~ 科技创新, 国办 ~ 国务院办公厅
    if len(term) >= 2:
        # Half of a compound still says something (e.g. 保费 in 保费补贴).
        halves = [term[: len(term) // 2 + len(term) % 2], term[len(term) // 2 :]]
        if len(term) >= 4 and all(h in text for h in halves):
            return 0.7
    return 0.0


def _is_spread_subsequence(term: str, text: str, window: int = 12) -> bool:
    """True when the term's characters appear in order within a short window (金监总局 ~ 金融监管总局)."""
    first = term[0]
    start = text.find(first)
    while start != -1:
        pos = start
        ok = True
        for ch in term[1:]:
            pos = text.find(ch, pos + 1)
            if pos == -1 or pos - start > window:
                ok = False
                break
        if ok:
            return True
        start = text.find(first, start + 1)
    return False


def coverage(terms: Sequence[str], text: str, weight: Callable[[str], float]) -> float:
    """The weighted share of `terms` that `text` covers (0..1)."""
    if not terms:
        return 0.0
    total = sum(weight(t) for t in terms)
    got = sum(weight(t) * term_in(t, text) for t in terms)
    return got / total if total else 0.0


def question_coverage(question: Question, text: str, weight: Callable[[str], float]) -> float:
    """How much of the question's weighted terms the text covers (0..1)."""
    return coverage(question.term_texts, text, question.weigh(weight))


def bigrams(text: str) -> set[str]:
    """The character bigrams of the text's Han and alphanumeric characters."""
    return set(char_pairs("".join(c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum())))


# The bonus of a unit with a marker of the intent (`Lexicon.evidence.markers`).
_MARKER_BONUS: Mapping[Intent, float] = {
    Intent.NAME: 0.15,
    Intent.REASON: 0.15,
    Intent.DEFINITION: 0.1,
    Intent.LIST: 0.15,
}


# The bonus of a unit that defines the asked term where it stands (`defines_term`).
_DEFINED_BONUS = 0.3
# Opens a clause (or the unit), so that 「最大的“灰犀牛”是…」 is not read as a definition.
_CLAUSE_START = r"(?:^|[，。；：、！？\s（(])"


@lru_cache(maxsize=256)
def _definition_regex(
    terms: tuple[str, ...], adverbs: tuple[str, ...], copulas: tuple[str, ...]
) -> re.Pattern[str]:
    return re.compile(
        _CLAUSE_START
        + r"[“\"「『《]?(?:"
        + alternation(terms)
        + r")[”\"」』》]?(?:[（(][^）)]{1,30}[）)])?(?:"
        + alternation(adverbs)
        + r")?(?:"
        + alternation(copulas)
        + r")"
    )


def defines_term(question: Question, text: str, lexicon: Lexicon) -> bool:
    """Whether `text` defines one of the question's own words where the word stands: at
    a clause start, maybe quoted or with a short form in brackets, then a copula
    (「“灰犀牛”一般是指…」「中游是…」「贸易竞争指数（TCI）是指…」)."""
    terms = tuple(t.text for t in question.terms if not t.carried and len(t.text) > 1)
    defined = lexicon.evidence.defined
    if not terms or not defined.copulas:
        return False
    regex = _definition_regex(terms, defined.adverbs, defined.copulas)
    return regex.search(text) is not None


def type_fit(question: Question, text: str, lexicon: Lexicon) -> float:
    """How well a span fits the kind of answer the question wants (a bonus or a penalty)."""
    intent = question.intent
    if intent is Intent.DATE:
        return 0.25 if has_date(text, lexicon) else -0.15
    if intent is Intent.TITLE:
        return 0.2 if re.search(r"[“《「].{2,40}?[”》」]", text) else 0.0
    if intent is Intent.FIGURE:
        year = lexicon.numbers.dates.year
        numbers = [n for n in find_numbers(text, lexicon) if not n.endswith(year)]
        if not numbers:
            return -0.2
        hint = question.unit_hint
        if hint and any(in_asked_unit(n, hint, lexicon) or hint in n for n in numbers):
            return 0.3
        return 0.1
    if intent is Intent.DEFINITION and defines_term(question, text, lexicon):
        return _DEFINED_BONUS
    bonus = _MARKER_BONUS.get(intent)
    if bonus is None:
        return 0.0
    return bonus if lexicon.evidence.markers[intent.value].search(text) else 0.0


def is_toc_line(unit: str, lexicon: Lexicon) -> bool:
    """A table-of-contents line: 「一、…\t3」."""
    return bool(lexicon.patterns.toc_line.match(unit.strip()))


def is_peripheral(section_path: tuple[str, ...], lexicon: Lexicon) -> bool:
    """Acknowledgements and the copyright notice name many organisations but answer
    nothing about the report's content."""
    return bool(section_path) and section_path[0] in lexicon.report.publication.peripheral


def evidence_features(
    question: Question,
    unit: str,
    retrieved: Retrieved,
    weight: Callable[[str], float],
    lexicon: Lexicon,
    semantic: float = 0.0,
    context_coverage: float | None = None,
) -> Features:
    """The features of one unit of a retrieved chunk for this question.

    `weight` is the question's term weight (`Question.weigh`); `semantic` the unit's
    similarity minus the best unit's; `context_coverage` the chunk's
    (`chunk_context_coverage`), when the caller has it already.
    """
    terms = question.term_texts
    if context_coverage is None:
        context_coverage = chunk_context_coverage(question, retrieved, weight)
    question_grams = bigrams("".join(terms) or question.text)
    toc = is_toc_line(unit, lexicon) and not question.has(Cue.STRUCTURE)
    return Features(
        lexical=coverage(terms, unit, weight),
        context=context_coverage,
        overlap=len(question_grams & bigrams(unit)) / (len(question_grams) or 1),
        semantic=semantic,
        figures=float(sum(1 for n in question.wanted.figures if n in find_numbers(unit, lexicon))),
        type_fit=type_fit(question, unit, lexicon),
        toc=1.0 if toc else 0.0,
    )


def chunk_context_coverage(
    question: Question, retrieved: Retrieved, weight: Callable[[str], float]
) -> float:
    """How much of the question the unit's surroundings cover: its chunk and headings."""
    chunk = retrieved.chunk
    context = f"{' '.join(chunk.section_path)} {chunk.embed_text or chunk.text}"
    return coverage(question.term_texts, context, weight)


def candidates(
    retrieved: Sequence[Retrieved],
    unit_similarity: Callable[[Retrieved], list[float]] | None,
) -> list[tuple[Retrieved, int, str, float]]:
    """Every scorable unit of the retrieved chunks: (chunk, index, text, similarity)."""
    found: list[tuple[Retrieved, int, str, float]] = []
    for item in retrieved:
        units = evidence_units(item.chunk)
        sims = unit_similarity(item) if unit_similarity is not None else [0.0] * len(units)
        for index, unit in enumerate(units):
            if len(re.sub(r"\W", "", unit)) < 4:
                continue
            found.append((item, index, unit, sims[index] if index < len(sims) else 0.0))
    return found


def score_evidence(
    question: Question,
    retrieved: Sequence[Retrieved],
    weight: Callable[[str], float],
    settings: ScoringSettings,
    lexicon: Lexicon,
    unit_similarity: Callable[[Retrieved], list[float]] | None = None,
) -> list[Evidence]:
    """Every evidence unit of the retrieved chunks, scored for this question, best first.

    The score is `settings.weights · evidence_features(…)`, times the chunk's
    retrieval-rank prior, times `peripheral_factor` for a peripheral section the
    question is not about.
    """
    weighed = question.weigh(weight)
    found = candidates(retrieved, unit_similarity)
    best_sim = max((c[3] for c in found), default=0.0)
    asks_peripheral = question.has(Cue.PERIPHERAL)
    weights = settings.weights
    out: list[Evidence] = []
    # Every unit of a chunk shares its surroundings: their coverage is counted once.
    contexts: dict[str, float] = {}
    for item, index, unit, sim in found:
        semantic = sim - best_sim if unit_similarity else 0.0
        chunk_id = item.chunk.id
        if chunk_id not in contexts:
            contexts[chunk_id] = chunk_context_coverage(question, item, weighed)
        features = evidence_features(
            question, unit, item, weighed, lexicon, semantic, contexts[chunk_id]
        )
        # The first-stage rank, not the reranked one: reranking already used these scores.
        prior = 1.0 / (1.0 + settings.rank_decay * (item.retrieval_rank - 1))
        score = features.dot(weights) * prior
        if not asks_peripheral and is_peripheral(item.chunk.section_path, lexicon):
            score *= settings.peripheral_factor
        out.append(
            Evidence(
                text=unit,
                retrieved=item,
                score=score,
                coverage=max(features.lexical, 0.85 * features.context),
                sentence_index=index,
                similarity=sim,
            )
        )
    out.sort(key=lambda e: (-e.score, e.retrieved.retrieval_rank, e.sentence_index))
    return out


# A word the report never uses is more often the asker's paraphrase (高校 for 大学) than the
# subject of an unanswerable question; unknown names are refused separately.
UNSEEN_TERM_FACTOR = 0.6


def idf_weight(
    doc_freq: Mapping[str, int], n_docs: int, unseen_factor: float = UNSEEN_TERM_FACTOR
) -> Callable[[str], float]:
    """Term weight: rarer terms matter more; a term the report never uses counts `unseen_factor`
    of the rarest (measured on the dev and probe sets)."""

    def weight(term: str) -> float:
        df = doc_freq.get(term, 0)
        rarity = math.log(1.0 + (n_docs + 1) / (df + 0.5))
        return rarity * unseen_factor if df == 0 else rarity

    return weight


__all__ = [
    "UNSEEN_TERM_FACTOR",
    "Evidence",
    "FeatureWeights",
    "Features",
    "ScoringSettings",
    "bigrams",
    "candidates",
    "chunk_context_coverage",
    "coverage",
    "evidence_features",
    "idf_weight",
    "is_peripheral",
    "is_toc_line",
    "question_coverage",
    "score_evidence",
    "term_in",
    "type_fit",
]
