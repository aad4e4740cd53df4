"""Questions that ask two things: 「海淀的政策是哪个月出的？致谢里谢了海淀哪个部门？」.

One retrieval for the whole question finds the passage of the first ask, or of the
ask with more words; when the second ask lives elsewhere in the report (the other
end of a multi-hop question), it goes unanswered. Each later ask is therefore
answered on its own, as a follow-up of the first (so 「它」「那个」 resolve), and what
it adds is appended with its own citations.

Two more kinds are split the same way: a comparison (「A和B，哪家成立得更早？」) is asked
of each side, and a thing described and then asked about (「…的那位科学家，参与创办了哪
家公司？」) is found first, then asked about by the name its answer gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.figures import REFERENCE_MARKS, dated_otherwise, states_year
from rag.lexicon import Lexicon
from rag.question import Described, Question, Side
from rag.slots import organisation_names
from rag.textnorm import char_pairs
from rag.types import Answer, AnswerSentence, Citation, Turn
from rag.verify import render_answer, verify_answer

AnswerFn = Callable[[str, Sequence[Turn]], Answer]
Tagger = Callable[[str], Sequence[tuple[str, str]]]


def answer_each_ask(
    question: Question,
    history: Sequence[Turn],
    whole: Answer,
    answer: AnswerFn,
    lexicon: Lexicon,
    tag: Tagger | None = None,
) -> Answer:
    """Add to the whole question's answer what each later ask finds elsewhere.

    `whole` is the answer to the whole question; `answer(text, history)` answers one
    ask. A later ask contributes only sentences the answer does not quote yet: when the
    quoted sentences answer both asks, the answer is the whole question's. When the
    whole question is refused, the first ask is tried alone.
    """
    if question.asks.gap is not None:
        return _answer_span(whole, question.asks.gap, history, answer, lexicon)
    if question.asks.sides is not None:
        return _answer_sides(whole, question.asks.sides, history, answer)
    if question.asks.described is not None and tag is not None:
        return _answer_described(whole, question.asks.described, history, answer, lexicon, tag)
    asks = question.asks.parts
    if len(asks) < 2:
        return whole
    spent = [whole]
    base = whole
    if whole.refused:
        spent.append(answer(asks[0], history))
        if not spent[-1].refused:
            base = _as_whole(spent[-1], whole)
    for ask in asks[1:]:
        if base.refused and lexicon.patterns.followup_pronoun.match(ask):
            continue  # 「它是哪年成立的」 after an unanswered first ask: 它 stands for nothing
        context = [*history, Turn("user", asks[0]), Turn("assistant", base.text)]
        extra = answer(bridged(ask, asks[0], base, lexicon), context)
        spent.append(extra)
        if extra.refused:
            continue
        if base.refused and _drops_first_ask(question, ask, extra, lexicon):
            continue
        if base.refused:
            base = _as_whole(extra, whole)
            continue
        base = merge_answers(base, extra)
    total = sum(a.timings_ms.get("total", 0.0) for a in spent)
    return replace(base, timings_ms={**base.timings_ms, "total": total})


# Tags of the words that name a place, person or organisation of the question's own.
_NAME_TAGS = ("ns", "nr", "nt")


def _timed(answer: Answer, spent: Sequence[Answer]) -> Answer:
    """The answer, timed as all the answers it took."""
    total = sum(a.timings_ms.get("total", 0.0) for a in spent)
    return replace(answer, timings_ms={**answer.timings_ms, "total": total})


def _as_whole(part: Answer, whole: Answer) -> Answer:
    """A part's answer standing for the whole question's (its question and follow-up)."""
    return replace(
        part,
        question=whole.question,
        resolved_question=whole.resolved_question,
        followup=whole.followup,
    )


def _drops_first_ask(question: Question, ask: str, extra: Answer, lexicon: Lexicon) -> bool:
    """A later ask of a question whose first ask found nothing leans on the first one:
    its answer must keep the year and the place the first ask named.

    「…到2020年能有多大？有没有具体预测数？」 is not answered by a forecast of other years
    or, having few words of its own, by an undated line, nor 「广州的房价收入比是多少？有没有超过合理线？」 by other
    cities' ratios. A later ask naming a place of its own asks about that place.
    """
    first = question.asks.parts[0]
    years = question.wanted.years
    if years and dated_otherwise(extra.text, years, lexicon):
        return True
    # An ask with few words of its own (「有没有具体预测数？」) is asked of the first one's
    # year: an undated line does not answer it either.
    own = [t for t in question.terms if t.text in ask and t.text not in first]
    leaning = len(own) < lexicon.question.followup.pointers.standalone_terms
    if years and leaning and not states_year(extra.text, years, lexicon):
        return True
    named = [t.text for t in question.terms if t.tag in _NAME_TAGS]
    if any(name in ask for name in named):
        return False
    return any(name in first and name not in extra.text for name in named)


# A name an answer gives before its copula is a few characters long (「博雅辑因是…」).
_MAX_NAME_CHARS = 12


def bridged(ask: str, first: str, answer: Answer, lexicon: Lexicon) -> str:
    """A later ask whose pronoun stands for the name the first ask's answer gave.

    「它是哪年成立的？」 after 「国内首家基因编辑公司是哪家？」, answered 「博雅辑因是中国首家
    基因编辑公司…」, asks 「博雅辑因是哪年成立的？」: the bridge of a multi-hop question. The
    name is what the answer's first sentence says before its copula, when the first ask
    asked for a named entity (「是哪家」「哪个机构」「是谁」) and the name is not the first
    ask's own words.
    Otherwise the ask stays as it is.
    """
    patterns = lexicon.patterns
    pronoun = patterns.followup_pronoun.match(ask)
    asks_name = (
        patterns.asked_who.search(first)
        or patterns.asked_kind.search(first)
        or patterns.asked_kind_before.search(first)
    )
    if pronoun is None or not asks_name or answer.refused or not answer.sentences:
        return ask
    name = _copula_subject(REFERENCE_MARKS.sub("", answer.sentences[0].text), lexicon)
    if name is None or len(set(char_pairs(name)) & set(char_pairs(first))) * 2 >= len(
        char_pairs(name)
    ):
        return ask
    return f"{name}{ask[pronoun.end() :]}"


def _copula_subject(clause: str, lexicon: Lexicon) -> str | None:
    """「博雅辑因是中国首家…」 → 博雅辑因: what a clause says before its copula, when that
    is a name (a few word characters), else None."""
    name, copula, _ = clause.partition(lexicon.question.copula)
    name = name.strip()
    if not copula or not 2 <= len(name) <= _MAX_NAME_CHARS or re.search(r"[^\w]", name):
        return None
    return name


def _answer_span(
    whole: Answer,
    asks: tuple[str, str],
    history: Sequence[Turn],
    answer: AnswerFn,
    lexicon: Lexicon,
) -> Answer:
    """Both dates of a 「隔了几年」 question, each from its own passage, and the gap."""
    ends = [answer(ask, history) for ask in asks]
    years = [_first_year(end, lexicon) for end in ends]
    if any(end.refused for end in ends) or None in years:
        return whole
    merged = whole
    if whole.refused:
        # The whole question's passages still lead the sources; the ends' follow.
        seen = {r.chunk.id for r in whole.retrieved}
        retrieved = (*whole.retrieved, *(r for r in ends[0].retrieved if r.chunk.id not in seen))
        merged = replace(ends[0], question=whole.question, retrieved=retrieved)
    for end in ends:
        merged = merge_answers(merged, end)
    gap = _gap_sentence(merged, years, lexicon)  # type: ignore[arg-type]
    total = sum(a.timings_ms.get("total", 0.0) for a in (whole, *ends))
    merged = replace(merged, timings_ms={**merged.timings_ms, "total": total})
    if gap is None:
        return merged
    sentences = (*merged.sentences, gap)
    return replace(merged, sentences=sentences, text=render_answer(sentences))


def _answer_sides(
    whole: Answer, sides: tuple[Side, Side], history: Sequence[Turn], answer: AnswerFn
) -> Answer:
    """Both sides of a comparison (「A和B哪个更高」), each from its own passage.

    Each side's ask (「A是多少？」) is answered on its own; what it finds in a passage the
    answer does not cite yet is added when it names its side. The answer states each side
    as the report does and leaves the comparison to the reader.
    """
    ends = [answer(side.ask, history) for side in sides]
    merged = whole
    for side, end in zip(sides, ends, strict=True):
        if end.refused or not _names(end.text, side.name) or _states(merged, side.name):
            continue
        if merged.refused:
            merged = _as_whole(end, whole)
            continue
        # Two rows of one table are one passage: a side is added for what it says.
        merged = merge_answers(merged, end, new_passages_only=False)
    return _timed(merged, [whole, *ends])


# How many first characters of a side's name must be in an answer that names it.
_NAME_HEAD = 4


def _pieces(name: str) -> list[str]:
    """A side's name and the places or words it lists (「卡什卡达里亚、苏尔汉河一带」 by either
    place; 「Alpha Robotics」 by Alpha)."""
    return [piece for piece in re.split(r"[、\s]+", name) if len(piece) >= 2]


def _names(text: str, name: str) -> bool:
    """Whether the text names the side by a piece's first characters (the report may say
    「费尔干纳、安集延和纳曼干州」 for 「费尔干纳河谷」)."""
    return any(piece[:_NAME_HEAD] in text for piece in _pieces(name))


def _states(answer: Answer, name: str) -> bool:
    """Whether the answer already gives the side a figure: a sentence names it and holds
    a digit."""
    return not answer.refused and any(
        _names(sentence.text, name) and re.search(r"\d", sentence.text)
        for sentence in answer.sentences
    )


def _answer_described(
    whole: Answer,
    described: Described,
    history: Sequence[Turn],
    answer: AnswerFn,
    lexicon: Lexicon,
    tag: Tagger,
) -> Answer:
    """「率先…的那位科学家，参与创办了哪家公司？」: the thing found first (「率先…的是哪位
    科学家？」), then the rest asked of the name its answer gives (「张锋，参与创办了哪家
    公司？」), both answers quoted. The whole question's answer stands when it names the
    thing already, when either step finds nothing, or when the second answer does not
    name the thing or rests only on the first one's passages."""
    first = answer(described.first, history)
    if first.refused or not first.sentences:
        return whole
    names = _described_names(first, described, lexicon, tag)
    if not names or (not whole.refused and names[0] in whole.text):
        return whole
    rest = described.rest
    for pronoun in lexicon.question.asks.described.pronouns:
        if rest.startswith(pronoun):
            rest = rest[len(pronoun) :]
            break
    spent = [whole, first]
    first_passages = {c.chunk_id for c in first.citations}
    for name in names[:_NAMES_TRIED]:
        second = answer(f"{name}，{rest}", history)
        spent.append(second)
        # The second hop is about the name, and found somewhere the first did not look.
        if (
            second.refused
            or name[:_NAME_HEAD] not in second.text
            or all(c.chunk_id in first_passages for c in second.citations)
        ):
            continue
        merged = merge_answers(_as_whole(first, whole), second, new_passages_only=False)
        return _timed(merged, spent)
    return _timed(whole, spent)


# The first answer may give two names (「布哈拉和锡尔河地区…最高」): the nearer is asked
# about first, then the other.
_NAMES_TRIED = 2


def _described_names(
    first: Answer, described: Described, lexicon: Lexicon, tag: Tagger
) -> list[str]:
    """The names the first answer gives for the described thing, the likeliest first.

    A table row names it by its first cell. Otherwise it is a name of the wanted kind (a
    person's, a place's; for a company or an institute an organisation's, by its tag or
    its ending; else any name) nearest to where the answer says what the description
    ends with (「…合作的那家公司」: 合作), and not one of the description's own words.
    """
    text = REFERENCE_MARKS.sub("", " ".join(s.text for s in first.sentences))
    cells = first.sentences[0].text.split(" | ")
    if len(cells) > 2:
        label = REFERENCE_MARKS.sub("", cells[0]).strip()
        return [label] if _NAME_CHARS[0] <= len(label) <= _NAME_CHARS[1] else []
    subject = _described_subject(text, described, lexicon)
    if subject is not None:
        return [subject]
    candidates = _name_candidates(text, described, lexicon, tag)
    anchors = [i for i in range(len(text) - 1) if text[i : i + 2] == described.described[-2:]]
    anchors = anchors or [i for i in range(len(text) - 1) if text[i : i + 2] in described.described]
    named = [
        (min((abs(start - i) for i in anchors), default=start), name)
        for start, name in candidates
        if _NAME_CHARS[0] <= len(name) <= _NAME_CHARS[1] and name not in described.described
    ]
    return list(dict.fromkeys(name for _, name in sorted(named)))


def _described_subject(text: str, described: Described, lexicon: Lexicon) -> str | None:
    """「星河智造是国内首家…租赁公司，…主营协作机器人的短期租赁」: the subject of the clause
    that says what the description ends with, when that clause opens with 「X是…」."""
    said = [c for c in re.split(r"[；;。]", text) if described.described[-2:] in c]
    subject = _copula_subject(said[0].strip(), lexicon) if said else None
    return None if subject is None or subject in described.described else subject


# A name is a few characters long (「张锋」「劲嘉股份」「Alpha Robotics」).
_NAME_CHARS = (2, 24)
# A Latin word that names something is capitalised (「Alpha」, not 「as9」).
_LATIN_NAME_RE = re.compile(r"[A-Z][A-Za-z0-9]+")


def _name_candidates(
    text: str, described: Described, lexicon: Lexicon, tag: Tagger
) -> list[tuple[int, str]]:
    """The names of the wanted kind in `text`, each with where it starts."""
    words, agents = lexicon.question.asks.described, lexicon.names.asked.agents
    organisation = described.kind == "thing" and any(
        described.noun.endswith(endings) for endings in lexicon.names.endings.values()
    )
    tags = {"person": agents.person_tags, "place": words.place_tags}.get(
        described.kind, words.organisation_tags if organisation else words.name_tags
    )
    found: list[tuple[int, str]] = []
    at = 0
    for word, pos in tag(text):
        start = text.find(word, at)
        if start < 0:
            continue
        at = start + len(word)
        if pos in tags and (pos != "eng" or _LATIN_NAME_RE.fullmatch(word)):
            found.append((start, word.strip()))
    if described.kind == "thing":
        found += organisation_names(text, lexicon)
    return found


def _first_year(end: Answer, lexicon: Lexicon) -> int | None:
    found = lexicon.patterns.year.search(end.sentences[0].text if end.sentences else "")
    return int(found.group(1)) if found else None


def _gap_sentence(merged: Answer, years: Sequence[int], lexicon: Lexicon) -> AnswerSentence | None:
    """「从 2015 年到 2024 年，相隔 9 年。」 citing the passages that date each end, checked
    by the verifier (`AnswerSentence.spans_years`)."""
    numbers: list[int] = []
    unit = re.escape(lexicon.numbers.dates.year)
    for year in years:
        holder = next(
            (s for s in merged.sentences if re.search(rf"{year}\s*{unit}", s.text) and s.citations),
            None,
        )
        if holder is None:
            return None
        numbers.append(holder.citations[0])
    first, second = sorted(years)
    claim = AnswerSentence(
        f"从 {first} 年到 {second} 年，相隔 {second - first} 年。",
        tuple(dict.fromkeys(numbers)),
        spans_years=True,
    )
    chunks = {r.chunk.id: r for r in merged.retrieved}
    by_number = {c.n: chunks.get(c.chunk_id) for c in merged.citations}
    candidates = {n: r for n, r in by_number.items() if n in claim.citations and r is not None}
    checked = verify_answer([claim], candidates, lexicon)
    return claim if checked.sentences else None


def _quoted(sentence: str, quotes: str) -> bool:
    """Whether a sentence (cut short with 「……」 or not) is among what the quotes say."""
    core = sentence.rstrip("…").rstrip("。；;，,")
    return not core or core in quotes


def merge_answers(first: Answer, extra: Answer, new_passages_only: bool = True) -> Answer:
    """`first` followed by the sentences of `extra` that `first` does not quote: from
    passages it lacks, or from one it cites but quotes in part (with `new_passages_only`
    off: every sentence it does not say already)."""
    cited = {c.chunk_id for c in first.citations}
    quoted: dict[str, str] = {}
    for c in first.citations:
        quoted[c.chunk_id] = quoted.get(c.chunk_id, "") + c.quote
    by_number = {c.n: c for c in extra.citations}
    new_citations: list[Citation] = list(first.citations)
    renumber: dict[int, int] = {}
    sentences: list[AnswerSentence] = list(first.sentences)
    given = {s.text for s in first.sentences}
    for sentence in extra.sentences:
        sources = [by_number[n] for n in sentence.citations if n in by_number]
        if sentence.text in given or not sources:
            continue
        if new_passages_only and all(
            c.chunk_id in cited and _quoted(sentence.text, quoted.get(c.chunk_id, ""))
            for c in sources
        ):
            continue
        numbers = []
        for citation in sources:
            if citation.n not in renumber:
                renumber[citation.n] = len(new_citations) + 1
                new_citations.append(replace(citation, n=renumber[citation.n]))
            numbers.append(renumber[citation.n])
        sentences.append(AnswerSentence(sentence.text, tuple(numbers)))
        given.add(sentence.text)
    if len(sentences) == len(first.sentences):
        return first
    seen = {r.chunk.id for r in first.retrieved}
    retrieved = (*first.retrieved, *(r for r in extra.retrieved if r.chunk.id not in seen))
    return replace(
        first,
        text=render_answer(sentences),
        sentences=tuple(sentences),
        citations=tuple(new_citations),
        retrieved=retrieved,
    )


__all__ = ["answer_each_ask", "merge_answers"]
