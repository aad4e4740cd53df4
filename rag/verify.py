"""Citation checks: is a cited quote really in the passage, and does it carry the numbers?

Pure functions over strings and `rag.types` records; no models, no I/O. Both the
extractive and the LLM answerer run their drafts through `verify_answer`, so a
sentence only reaches the user when a verbatim quote from a retrieved passage
backs it and every number, date and percentage of the sentence appears in that
quote.

Number matching rule (used by `extract_numbers` and the checks):

* Text is NFKC-normalised (full-width digits, ``％``, ``，``) and lower-cased.
* Chinese numerals become Arabic only where they clearly denote a quantity: a run
  of numeral characters directly followed by a unit or measure word (三个 → 3个,
  二十届 → 20届, 十一月 → 11月, 两大类 is *not* converted because 大 is not a
  measure word), digit-by-digit years (二〇一五年 → 2015年) and 百分之七十 → 70%.
  A lone 一 is never converted (一个、一种、进一步 are idioms far more often than
  counts), and runs preceded by 第 are converted only before 届/次/期/批, so list
  labels such as 一是、第一、一、 never become numbers.
* Spaces between a number and its unit, and inside dates, are removed:
  ``2015 年`` ≈ ``2015年``, ``70 %`` ≈ ``70%``, ``2024 年 11 月`` → ``2024年11月``.
* A token is the number plus the unit that changes its meaning: magnitude (万,
  亿, 万亿, 千万 …), %, ‰, bp, 年/月/日 and 届. Currency and counters are dropped
  (``1250 万元`` → ``1250万``, ``26 家`` → ``26``), so a paraphrase that swaps 家
  for 个 still matches while 1250万 never matches 1250.
* A sentence token is found in a quote when it occurs in the quote's normalised
  text with no digit glued to either side (``2.5%`` does not match ``12.5%``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import cn2an

from rag.draft import Draft
from rag.lexicon import Lexicon
from rag.question import Question
from rag.tabular import cell_value, column_core, is_total_row, own_cells, row_figures, tables_of
from rag.textnorm import char_pairs, longest_common_run
from rag.types import Answer, AnswerSentence, Chunk, Citation, Extreme, Retrieved

# ---------------------------------------------------------------------------
# Normalisation and number extraction
# ---------------------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])")
# Marker forms the LLM writes: [1] [1,2] 【1】 ［1］.
_MARKER = re.compile(r"[\[【［]\s*\d{1,2}(?:\s*[,，、\-–]\s*\d{1,2})*\s*[\]】］]")


def _parse_cn_numeral(run: str, lexicon: Lexicon) -> int | None:
    """Value of a Chinese numeral run such as 二十七, 一百零五, 二〇一五; None if malformed.

    cn2an reads the numeral ("normal" mode: 〇-years and 两 allowed). Two readings
    are ours: a bare 百/千 (上百亿, 千万) counts as 100/1000, which cn2an rejects,
    and a digit-by-digit run never contains 两.
    """
    numerals = lexicon.numbers.numerals
    if run in numerals.small_units:
        return numerals.small_units[run]
    if len(run) > 1 and numerals.two in run and all(ch in numerals.digits for ch in run):
        return None
    try:
        value = cn2an.cn2an(run, "normal")
    except (ValueError, KeyError):  # 二三十, 十百: a range or malformed
        return None
    return int(value)


def _percent(match: re.Match[str], lexicon: Lexicon) -> str:
    """「百分之七十」 → 「70%」; a malformed numeral stays as it is."""
    digits = lexicon.numbers.numerals.digits
    raw = match.group(1).replace(lexicon.verify.numerals.point, ".")
    if re.fullmatch(r"[0-9.]+", raw):
        return f"{raw}%"
    whole, _, frac = raw.partition(".")
    value = _parse_cn_numeral(whole, lexicon)
    if value is None or (frac and not all(ch in digits for ch in frac)):
        return match.group(0)
    frac_digits = "".join(str(digits[ch]) for ch in frac)
    return f"{value}.{frac_digits}%" if frac_digits else f"{value}%"


def _quantity(match: re.Match[str], text: str, lexicon: Lexicon) -> int | None:
    """The value of a run of Chinese numerals when it denotes a quantity, else None."""
    words, numerals = lexicon.verify.numerals, lexicon.numbers.numerals
    run = match.group(0)
    after = text[match.end() :]
    before = text[match.start() - 1] if match.start() > 0 else ""
    measure = next((m for m in words.quantity_measures if after.startswith(m)), None)
    if measure is None or run == numerals.counting[0] or after.startswith(words.not_duration):
        return None  # 五年规划 is a name, not a duration
    if before == words.ordinal and measure not in words.ordinal_measures:
        return None
    if before == words.not_count_after:
        return None
    digit_by_digit = all(ch in numerals.digits for ch in run) and len(run) > 1
    if digit_by_digit and measure != lexicon.numbers.dates.year:
        return None  # 三四个 means "three or four", not 34
    return _parse_cn_numeral(run, lexicon)


def _convert_cn_numerals(text: str, lexicon: Lexicon) -> str:
    """Replace Chinese numerals that denote quantities by Arabic digits (see module doc)."""
    patterns = lexicon.patterns
    text = patterns.percent_numeral.sub(lambda m: _percent(m, lexicon), text)
    out: list[str] = []
    pos = 0
    for match in patterns.numeral_run.finditer(text):
        value = _quantity(match, text, lexicon)
        if value is None:
            continue
        out.append(text[pos : match.start()])
        out.append(str(value))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def normalise_numbers(text: str, lexicon: Lexicon) -> str:
    """The text in the form numbers are compared in (see the module docstring)."""
    patterns = lexicon.patterns
    text = _MARKER.sub("", text)
    # Thousands separators only in ASCII form, before NFKC turns ，into , as well.
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _convert_cn_numerals(text, lexicon)
    text = patterns.unit_after_number.sub("", text)
    text = patterns.number_after_unit.sub("", text)
    return text


_DOTTED_RUN = re.compile(r"(?:\.\d+)+")


def extract_numbers(text: str, lexicon: Lexicon) -> set[str]:
    """Every number, date and percentage in `text`, as normalised tokens.

    2024 年 11 月，提供 1250 万元保障，占 70 % → {'1250万', '2024年11月', '70%'}
    """
    tokens_words = lexicon.verify.tokens
    tokens: set[str] = set()
    normalised = normalise_numbers(text, lexicon)
    for match in lexicon.patterns.number_token.finditer(normalised):
        if match.group("date"):
            tokens.add(match.group("date"))
            continue
        number = match.group("num")
        dotted = _DOTTED_RUN.match(normalised, match.end("num"))
        if dotted and not match.group("unit") and not match.group("mag"):
            # An identifier (a DOI's 「3045.2018.01.007」) is one token, not a number that a
            # quote of the same identifier would fail for continuing it.
            tokens.add(number + dotted.group(0))
            continue
        unit = match.group("unit") or ""
        if unit == tokens_words.points:
            unit = tokens_words.point_unit
        tokens.add(number + (match.group("mag") or "") + unit)
    return tokens


def _token_in(token: str, normalised_text: str, lexicon: Lexicon) -> bool:
    """Whether a number token occurs in normalised text without extra digits glued on."""
    pattern = r"(?<![\d.])" + re.escape(token)
    if token[-1].isdigit():
        # A bare number must not continue as a longer number (1.4 vs 1.45, 26 vs 260).
        pattern += r"(?!\d|\.\d)"
    words = lexicon.verify.tokens
    if token.endswith(words.point_unit):
        # 「3百分点」 is also written 「3个百分点」.
        spoken = words.points[: -len(words.point_unit)]
        unit = re.escape(words.point_unit)
        pattern = pattern.replace(unit, f"{re.escape(spoken)}?{unit}")
    return re.search(pattern, normalised_text) is not None


def claim_text(sentence: str, lexicon: Lexicon) -> str:
    """The part of a sentence its citation must support: no markers, framing or denials.

    A figure the answer explicitly denies (…1250 万元，而不是 1300 万元) is not a claim
    the quote must carry: premise corrections name the user's wrong figure on purpose.
    Framing (「报告中的说法是」) says where a claim comes from, not what it is; it would
    only dilute the bigram overlap of short sentences.
    """
    patterns = lexicon.patterns
    text = _MARKER.sub("", sentence).strip()
    text = patterns.framing.sub("", text)
    return patterns.negated.sub("", text)


def missing_numbers(sentence: str, quote: str, lexicon: Lexicon) -> tuple[str, ...]:
    """Number tokens of the sentence's claim that the quote lacks, sorted (see `claim_text`)."""
    normalised_quote = normalise_numbers(quote, lexicon)
    claimed = extract_numbers(claim_text(sentence, lexicon), lexicon)
    return tuple(sorted(tok for tok in claimed if not _token_in(tok, normalised_quote, lexicon)))


# ---------------------------------------------------------------------------
# Quote finding
# ---------------------------------------------------------------------------

_SENTENCE_END_CHARS = "。！？；!?;\n"
_CLAUSE_END_CHARS = _SENTENCE_END_CHARS + "，,：:"
_MAX_SENTENCE_QUOTE = 120  # longer sentences are narrowed to their best clause
_STRIP_EDGES = " \t\r\n\u3000，,、：:"
_CLOSERS = "”’」』）)》"
_MIN_GAIN = 3  # bigrams a neighbouring clause must add to join a narrowed quote
_CONTENT_CHAR = re.compile(r"[\w%‰]")


def _content(text: str, lexicon: Lexicon) -> str:
    """Letters, digits and CJK characters only: the text bigram overlap is measured on."""
    text = normalise_numbers(text, lexicon)
    return "".join(ch for ch in text if _CONTENT_CHAR.match(ch) and ch != "_")


def _bigrams(text: str, lexicon: Lexicon) -> set[str]:
    content = _content(text, lexicon)
    if len(content) == 1:
        return {content}
    return set(char_pairs(content))


@dataclass(frozen=True)
class _Clause:
    start: int
    end: int
    sentence: int


def _clauses(chunk_text: str) -> list[_Clause]:
    """Clause spans of the chunk (split after ，。！？；), each tagged with its sentence."""
    clauses: list[_Clause] = []
    start = 0
    sentence = 0
    i = 0
    while i < len(chunk_text):
        ch = chunk_text[i]
        i += 1
        if ch in _CLAUSE_END_CHARS:
            # Closing quotes and brackets after 。belong to the clause they end.
            while i < len(chunk_text) and chunk_text[i] in _CLOSERS:
                i += 1
            if chunk_text[start:i].strip(_STRIP_EDGES):
                clauses.append(_Clause(start, i, sentence))
            start = i
            if ch in _SENTENCE_END_CHARS:
                sentence += 1
    if chunk_text[start:].strip(_STRIP_EDGES):
        clauses.append(_Clause(start, len(chunk_text), sentence))
    return clauses


def _overlap(sentence_bigrams: set[str], text: str, lexicon: Lexicon) -> int:
    return len(sentence_bigrams & _bigrams(text, lexicon))


def _best_sentence(
    clauses: Sequence[_Clause], wanted: set[str], chunk_text: str, lexicon: Lexicon
) -> list[int]:
    """The clauses of the chunk sentence with the most bigrams in common (ties: the earlier)."""
    by_sentence: dict[int, list[int]] = {}
    for index, clause in enumerate(clauses):
        by_sentence.setdefault(clause.sentence, []).append(index)
    return max(
        by_sentence.values(),
        key=lambda ids: _overlap(
            wanted, chunk_text[clauses[ids[0]].start : clauses[ids[-1]].end], lexicon
        ),
    )


def _narrowed(
    clauses: Sequence[_Clause],
    group: list[int],
    wanted: set[str],
    chunk_text: str,
    lexicon: Lexicon,
) -> tuple[int, int]:
    """A long sentence narrowed to its best clause, so the quote stays readable, grown by
    the neighbouring clauses a sentence that sums up several of them draws on."""

    def overlap(a: int, b: int) -> int:
        return _overlap(wanted, chunk_text[clauses[a].start : clauses[b].end], lexicon)

    first, last = group[0], group[-1]
    lo = hi = max(group, key=lambda i: overlap(i, i))
    current = overlap(lo, hi)
    while True:
        grown = [
            (overlap(a, b), a, b)
            for a, b in ((lo - 1, hi), (lo, hi + 1))
            if first <= a and b <= last
        ]
        if not grown:
            break
        gain, a, b = max(grown)
        if gain - current < _MIN_GAIN:
            break
        current, lo, hi = gain, a, b
    return lo, hi


def _with_numbers(
    clauses: Sequence[_Clause],
    span: tuple[int, int],
    sentence: str,
    chunk_text: str,
    lexicon: Lexicon,
) -> tuple[int, int]:
    """The span extended to adjacent clauses while that covers numbers it still lacks."""
    numbers = extract_numbers(sentence, lexicon)
    lo, hi = span

    def missing(a: int, b: int) -> set[str]:
        text = normalise_numbers(chunk_text[clauses[a].start : clauses[b].end], lexicon)
        return {tok for tok in numbers if not _token_in(tok, text, lexicon)}

    def better(steps: int) -> list[tuple[int, int, int]]:
        options = []
        if lo > steps - 1:
            options.append((lo - steps, hi))
        if hi < len(clauses) - steps:
            options.append((lo, hi + steps))
        scored = [(len(missing(a, b)), a, b) for a, b in options]
        return [s for s in scored if s[0] < len(lacking)]

    lacking = missing(lo, hi)
    while lacking:
        # The numbers may sit one clause further away; look two steps before giving up.
        scored = better(1) or better(2)
        if not scored:
            break
        _, lo, hi = min(scored)
        lacking = missing(lo, hi)
    return lo, hi


def find_span(sentence: str, chunk_text: str, lexicon: Lexicon) -> tuple[int, int]:
    """Start and end offsets in `chunk_text` of the best supporting span (see `find_quote`)."""
    clauses = _clauses(chunk_text)
    if not clauses:
        return (0, 0)
    sentence = claim_text(sentence, lexicon)
    # A sentence copied verbatim from the chunk (the extractive answerer's case) is its own quote.
    verbatim = sentence.strip().rstrip("…").strip()
    if len(verbatim) >= 4:
        at = chunk_text.find(verbatim)
        if at != -1:
            return (at, at + len(verbatim))
    wanted = _bigrams(sentence, lexicon)
    group = _best_sentence(clauses, wanted, chunk_text, lexicon)
    lo, hi = group[0], group[-1]
    if clauses[hi].end - clauses[lo].start > _MAX_SENTENCE_QUOTE:
        lo, hi = _narrowed(clauses, group, wanted, chunk_text, lexicon)
    lo, hi = _with_numbers(clauses, (lo, hi), sentence, chunk_text, lexicon)
    start, end = clauses[lo].start, clauses[hi].end
    # Trim separators at the edges; offsets stay inside the original text.
    while start < end and chunk_text[start] in _STRIP_EDGES:
        start += 1
    while end > start and chunk_text[end - 1] in _STRIP_EDGES:
        end -= 1
    return (start, end)


def find_quote(sentence: str, chunk_text: str, lexicon: Lexicon) -> str:
    """The span of `chunk_text` that best supports `sentence`; always a verbatim substring.

    The chunk is split into sentences (at 。！？；) and the one sharing the most
    character bigrams with `sentence` wins; a sentence longer than 120 characters
    is narrowed to its best clause (split at ，：). The span is then extended to
    an adjacent clause when that clause carries numbers of `sentence` the span
    lacks, so that a faithful sentence is not failed by an over-tight quote.
    """
    start, end = find_span(sentence, chunk_text, lexicon)
    return chunk_text[start:end]


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

# Share of the sentence's character bigrams that must occur in the quote. LLM
# answers paraphrase, but Chinese paraphrases of a report keep most of its
# terms. Measured on this report's sentences: paraphrases against their own
# passage 0.5-0.75; against a random other passage median 0.09, 90th percentile
# 0.23, 95th 0.31. So this only catches clearly unrelated citations; for a
# passage on a neighbouring topic the number check is the real guard.
MIN_SUPPORT = 0.35
# A passage joins a combined claim when it holds one of the claim's names verbatim:
# five characters is the shortest product name in a table cell (产品责任险).
MIN_SHARED_NAME = 5

PROBLEM_NOT_IN_CHUNK = "引文不在所引段落中"
PROBLEM_EMPTY_QUOTE = "引文为空"
PROBLEM_UNSUPPORTED = "引文与句子内容不符"
PROBLEM_NO_PASSAGE = "所引段落 [{n}] 不存在"


def support(sentence: str, quote: str, lexicon: Lexicon) -> float:
    """Share of the claim's character bigrams found in the quote (0..1; see `claim_text`)."""
    wanted = _bigrams(claim_text(sentence, lexicon), lexicon)
    if not wanted:
        return 1.0
    return len(wanted & _bigrams(quote, lexicon)) / len(wanted)


def quote_in_chunk(quote: str, chunk_text: str) -> bool:
    """Whether `quote` occurs verbatim in `chunk_text`.

    Exact substring first; failing that, both sides are NFKC-normalised, so a
    quote whose only difference is full- vs half-width characters (，vs ,) still
    counts. No other normalisation: whitespace and wording must match.
    """
    if not quote:
        return False
    if quote in chunk_text:
        return True
    return unicodedata.normalize("NFKC", quote) in unicodedata.normalize("NFKC", chunk_text)


def check_citation(
    sentence: str, quote: str, chunk_text: str, lexicon: Lexicon
) -> tuple[bool, tuple[str, ...]]:
    """Check one citation; returns (ok, problems) with short Chinese problem strings.

    1. the quote occurs verbatim in the cited chunk (`quote_in_chunk`);
    2. every number, date and percentage of the sentence appears in the quote, except
       figures the sentence denies (「而不是 1300 万元」, see `claim_text`);
    3. the quote shares at least `MIN_SUPPORT` of the sentence's character bigrams,
       so a sentence citing an unrelated passage fails even without numbers.
    """
    problems: list[str] = []
    if not quote.strip():
        return (False, (PROBLEM_EMPTY_QUOTE,))
    if not quote_in_chunk(quote, chunk_text):
        problems.append(PROBLEM_NOT_IN_CHUNK)
    problems.extend(f"数字 {tok} 不见于引文" for tok in missing_numbers(sentence, quote, lexicon))
    if support(sentence, quote, lexicon) < MIN_SUPPORT:
        problems.append(PROBLEM_UNSUPPORTED)
    return (not problems, tuple(problems))


# ---------------------------------------------------------------------------
# Whole answers
# ---------------------------------------------------------------------------


def is_refusal(text: str, lexicon: Lexicon) -> bool:
    """Whether a sentence is the prescribed refusal 「报告中没有提到……」."""
    return lexicon.patterns.refusal.match(_strip_markers(text).strip()) is not None


def _strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def _keep_without_citation(text: str, lexicon: Lexicon) -> bool:
    """Marker-free sentences worth keeping: a strict refusal, or a bare connective.

    Refusals assert that the report lacks something, not a fact from it, so
    they may echo numbers from the question (报告中没有提到2030年的目标。). A strict
    refusal is one short sentence that only states the absence: no second clause
    where a model could slip in an unsupported claim. Connectives (具体如下：) carry
    no claim. Everything else without a citation is an unsupported claim and is dropped.
    """
    patterns = lexicon.patterns
    stripped = text.strip()
    if patterns.strict_refusal.match(stripped):
        return True
    return patterns.connective.match(stripped) is not None and not extract_numbers(
        stripped, lexicon
    )


@dataclass(frozen=True)
class VerifiedAnswer:
    """An answer after the citation check.

    `sentences` are the kept sentences with citation numbers renumbered 1..n in
    order of first use; `citations[i].n == i + 1`. `dropped` holds the texts of
    removed sentences; `problems` says why, one line per failed citation.
    """

    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    dropped: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())


def citable_text(chunk: Chunk) -> tuple[str, int]:
    """What a citation of `chunk` may quote: its section headings, one a line, then its
    text; and where its text starts. Headings are the report's own words too (「（1）鼓励
    原始创新…」 heads the passage it is cited with), so a sentence may quote one."""
    headings = "".join(f"{heading}\n" for heading in chunk.section_path)
    return headings + chunk.text, len(headings)


def _heading_span(text: str, chunk: Chunk) -> tuple[int, int] | None:
    """The span (in `citable_text`) of the heading a sentence quotes, when its words are
    in one of the chunk's headings and not in its text."""
    claim = text.strip().rstrip("。；;")
    if len(claim) < 4 or claim in chunk.text:
        return None
    citable, _ = citable_text(chunk)
    at = citable.find(claim)
    return (at, at + len(claim)) if 0 <= at < len(citable) - len(chunk.text) else None


def _assess(
    text: str, retrieved: Retrieved, lexicon: Lexicon
) -> tuple[tuple[int, int], bool, tuple[str, ...]]:
    chunk = retrieved.chunk
    citable, offset = citable_text(chunk)
    heading = _heading_span(text, chunk)
    if heading is not None:
        quote = citable[heading[0] : heading[1]]
        ok, problems = check_citation(text, quote, citable, lexicon)
        return heading, ok, problems
    span = find_span(text, chunk.text, lexicon)
    ok, problems = check_citation(text, chunk.text[span[0] : span[1]], chunk.text, lexicon)
    return (span[0] + offset, span[1] + offset), ok, problems


@dataclass(frozen=True)
class _Checked:
    """One sentence after the check: the citations it keeps (None: dropped), the span of
    each kept citation's quote, and what failed."""

    text: str
    cited: tuple[int, ...] | None
    spans: tuple[tuple[int, tuple[int, int]], ...] = ()
    problems: tuple[str, ...] = ()


def _check_uncited(text: str, lexicon: Lexicon) -> _Checked:
    if _keep_without_citation(text, lexicon):
        return _Checked(text, ())
    return _Checked(text, None, problems=(f"「{text[:30]}」没有引用",))


def _check_derived(
    sentence: AnswerSentence,
    cited: tuple[int, ...],
    candidates: Mapping[int, Retrieved],
    lexicon: Lexicon,
) -> _Checked | None:
    """A figure the answerer worked out (a count, a gap in years): recomputed from the
    cited passages instead of looked up in one quote. None for an ordinary sentence."""
    derived = _derived_check(sentence)
    if derived is None:
        return None
    text = _strip_markers(sentence.text).strip()
    holds, quote_span, problem = derived
    if not holds(text, cited, candidates, lexicon):
        return _Checked(text, None, problems=(f"「{text[:30]}」{problem}",))
    spans = []
    for n in cited:
        chunk = candidates[n].chunk
        start, end = quote_span(text, chunk.text, lexicon)
        offset = citable_text(chunk)[1]
        spans.append((n, (start + offset, end + offset)))
    return _Checked(text, cited, tuple(spans))


def _check_quoted(
    text: str, cited: tuple[int, ...], candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> _Checked:
    """A sentence kept with the cited passages that support it (see `verify_answer`)."""
    problems: list[str] = []
    results: dict[int, tuple[tuple[int, int], bool, tuple[str, ...]]] = {}
    for n in cited:
        if n not in candidates:
            problems.append(f"「{text[:30]}」{PROBLEM_NO_PASSAGE.format(n=n)}")
            continue
        results[n] = _assess(text, candidates[n], lexicon)
    passing = [n for n, (_, ok, _) in results.items() if ok]
    if len(results) > 1:
        together, listing = _combined(text, results, candidates, lexicon)
        if not passing or listing:
            # A listing sentence keeps every passage that holds one of its items,
            # not only the one that happens to support it alone.
            passing = [n for n in results if n in together or n in passing]
    for n, (_, _ok, why) in results.items():
        if n not in passing:
            problems.append(f"「{text[:30]}」[{n}]：{'；'.join(why) or '未通过'}")
    if not passing:
        return _Checked(text, None, problems=tuple(problems))
    spans = tuple((n, results[n][0]) for n in passing)
    return _Checked(text, tuple(passing), spans, tuple(problems))


def _check(
    sentence: AnswerSentence, candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> _Checked | None:
    """One sentence checked against its citations (None for an empty sentence)."""
    text = _strip_markers(sentence.text).strip()
    if not text:
        return None
    cited = tuple(dict.fromkeys(sentence.citations))
    if not cited:
        return _check_uncited(text, lexicon)
    derived = _check_derived(sentence, cited, candidates, lexicon)
    return derived if derived is not None else _check_quoted(text, cited, candidates, lexicon)


def _renumbered(
    kept: Sequence[tuple[str, tuple[int, ...]]],
    spans: Mapping[int, Sequence[tuple[int, int]]],
    candidates: Mapping[int, Retrieved],
) -> tuple[dict[int, int], list[Citation]]:
    """Citation numbers renumbered in order of first use, and one citation per chunk
    whose quote spans every quote taken from it."""
    order: dict[int, int] = {}
    for _, cited in kept:
        for n in cited:
            order.setdefault(n, len(order) + 1)
    citations = []
    for old, new in order.items():
        chunk = candidates[old].chunk
        start = min(s for s, _ in spans[old])
        end = max(e for _, e in spans[old])
        citable, body = citable_text(chunk)
        # A quote of the chunk's text cites the pages it sits on; one of its headings, the
        # page the chunk starts on (the heading's own, when the chunk opens its section).
        page_start, page_end = (
            chunk.pages_of(start - body, end - body)
            if start >= body
            else (chunk.page_start, chunk.page_start)
        )
        citations.append(
            Citation(
                n=new,
                title=chunk.title,
                section_path=chunk.section_path,
                page_start=page_start,
                page_end=page_end,
                quote=citable[start:end],
                chunk_id=chunk.id,
                source=chunk.source,
                verified=True,
            )
        )
    return order, citations


def verify_answer(
    sentences: Sequence[AnswerSentence], candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> VerifiedAnswer:
    """Keep the sentences whose citations check out; renumber the citations.

    `candidates` maps the numbers the answerer saw ([1]…[k]) to passages. For each
    cited number a quote is found in its chunk (`find_quote`) and checked
    (`check_citation`). A sentence is kept when at least one cited passage passes
    on its own, or — for a sentence that combines facts — when its cited
    passages together support it and hold all its numbers (see `_combined`).
    Failing markers are removed from kept sentences. Sentences citing only
    non-existent numbers, and uncited sentences other than refusals and
    connectives (see `_keep_without_citation`), are dropped. A counting sentence
    (`AnswerSentence.counts`) is kept when its figure is the number of table rows it
    cites (`_count_holds`). A chunk cited by
    several sentences gets one citation whose quote spans all their quotes.
    """
    kept: list[tuple[str, tuple[int, ...]]] = []
    dropped: list[str] = []
    problems: list[str] = []
    spans: dict[int, list[tuple[int, int]]] = {}
    for sentence in sentences:
        checked = _check(sentence, candidates, lexicon)
        if checked is None:
            continue
        problems.extend(checked.problems)
        if checked.cited is None:
            dropped.append(checked.text)
            continue
        for n, span in checked.spans:
            spans.setdefault(n, []).append(span)
        kept.append((checked.text, checked.cited))
    order, citations = _renumbered(kept, spans, candidates)
    return VerifiedAnswer(
        sentences=tuple(
            AnswerSentence(text=text, citations=tuple(order[n] for n in cited))
            for text, cited in kept
        ),
        citations=tuple(citations),
        dropped=tuple(dropped),
        problems=tuple(problems),
    )


_DerivedCheck = tuple[
    Callable[[str, Sequence[int], Mapping[int, Retrieved], Lexicon], bool],
    Callable[[str, str, Lexicon], tuple[int, int]],
    str,
]


def _whole(text: str, chunk: str, lexicon: Lexicon) -> tuple[int, int]:
    """The whole cited passage as the quote (a table row is quoted as the row)."""
    return (0, len(chunk))


def _derived_check(sentence: AnswerSentence) -> _DerivedCheck | None:
    """How to check a sentence whose figure is derived: the check, the span of each cited
    chunk to quote, and the problem to report when the check fails."""
    if sentence.spans_years:
        return _span_holds, find_span, "所述年数与所引日期不符"
    if sentence.counts:
        return _count_holds, _whole, "所述数目与所引段落数不符"
    extreme = sentence.extreme
    if extreme is not None:

        def holds(
            text: str, cited: Sequence[int], candidates: Mapping[int, Retrieved], lexicon: Lexicon
        ) -> bool:
            return _extreme_holds(text, _cited_chunks(cited, candidates), extreme, lexicon)

        return holds, _whole, "所述最值与表中该列不符"
    if sentence.reads_table:
        return _cells_hold, _whole, "所述单元格与所引表格行不符"
    return None


def _cited_chunks(cited: Sequence[int], candidates: Mapping[int, Retrieved]) -> list[Chunk]:
    """The distinct table rows cited; [] when a citation is missing, repeated or not a row."""
    chunks = [candidates[n].chunk for n in cited if n in candidates]
    if len(chunks) != len(cited) or len({c.id for c in chunks}) != len(chunks):
        return []
    return chunks if all(c.kind == "table_row" for c in chunks) else []


def _cells_hold(
    text: str, cited: Sequence[int], candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> bool:
    """A sentence reading table cells (「地区 华东区：保费收入/亿元 125。」): the rows it
    cites, read with their caption and header, support it, and each of its figures is in
    the caption or header, or in a cell of a cited row whose column the sentence names."""
    chunks = _cited_chunks(cited, candidates)
    if not chunks:
        return False
    frame = "\n".join(f"{c.table_caption}\n{c.table_header}" for c in chunks)
    if support(text, "\n".join([frame, *(c.text for c in chunks)]), lexicon) < MIN_SUPPORT:
        return False
    claim = claim_text(text, lexicon)
    named = _compact(claim)
    framed = normalise_numbers(frame, lexicon)
    cells = [cell for c in chunks for cell in own_cells(c)]
    for token in extract_numbers(claim, lexicon):
        if _token_in(token, framed, lexicon):
            continue
        if not any(
            _token_in(token, normalise_numbers(cell, lexicon), lexicon)
            and (_compact(name) in named or _compact(column_core(name)) in named)
            for name, cell in cells
        ):
            return False
    return True


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _extreme_holds(text: str, chunks: Sequence[Chunk], extreme: Extreme, lexicon: Lexicon) -> bool:
    """A sentence naming the highest (lowest) figure of a table column or along a row."""
    if extreme.along_row:
        return _row_extreme_holds(text, chunks, extreme, lexicon)
    return _column_extreme_holds(text, chunks, extreme, lexicon)


def _row_extreme_holds(
    text: str, chunks: Sequence[Chunk], extreme: Extreme, lexicon: Lexicon
) -> bool:
    """Along one row (「哪一年…最高」): it cites that one row, names the column holding the
    row's highest (lowest) figure with the figure, and states no figure the row, its
    caption and header do not hold."""
    if len(chunks) != 1:
        return False
    figures = row_figures(chunks[0])
    if len(figures) < 2:
        return False
    best = (max if extreme.highest else min)(v for _, _, v in figures)
    claim = claim_text(text, lexicon)
    named = _compact(claim)
    stated = extract_numbers(claim, lexicon)
    holders = [(name, cell) for name, cell, v in figures if v == best]
    if not any(
        _compact(name) in named and extract_numbers(cell, lexicon) <= stated
        for name, cell in holders
    ):
        return False
    chunk = chunks[0]
    allowed = normalise_numbers(
        "\n".join([chunk.table_caption, chunk.table_header, chunk.text]), lexicon
    )
    return all(_token_in(t, allowed, lexicon) for t in stated)


def _column_extreme_holds(
    text: str, chunks: Sequence[Chunk], extreme: Extreme, lexicon: Lexicon
) -> bool:
    """A sentence naming the row that holds a column's highest (lowest) value: it cites
    every row of one table, the rows it names hold that value (no other row, totals
    aside, goes beyond it), it names them by a text cell and states the value, and its
    figures are the value's, the rows' and the caption's."""
    tables = tables_of(chunks)
    if len(tables) != 1 or not tables[0].complete or extreme.column not in tables[0].columns:
        return False
    table = tables[0]
    column = table.columns.index(extreme.column)
    totals = lexicon.report.tables.extremes.totals
    values = [(r, v) for r, v in table.values(column) if not is_total_row(r, totals)]
    if len(values) < 2:
        return False
    best = (max if extreme.highest else min)(v for _, v in values)
    holders = [r for r, v in values if v == best]
    claim = claim_text(text, lexicon)
    named = _compact(claim)
    if not any(
        len(_compact(r.cell(k))) >= 2 and _compact(r.cell(k)) in named
        for r in holders
        for k in r.own
        if cell_value(r.cell(k)) is None
    ):
        return False
    stated = extract_numbers(claim, lexicon)
    value = set().union(*(extract_numbers(r.cell(column), lexicon) for r in holders))
    allowed = "\n".join([table.caption, *table.columns, *(" ".join(r.cells) for r in holders)])
    return value <= stated and all(
        _token_in(t, normalise_numbers(allowed, lexicon), lexicon) for t in stated
    )


def _span_holds(
    text: str, cited: Sequence[int], candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> bool:
    """A span sentence (「2015 年到 2024 年，相隔 9 年」): its two dates are in the cited
    passages and its other figure is the difference of their years."""
    year_token = lexicon.patterns.year_token
    numbers = extract_numbers(claim_text(text, lexicon), lexicon)
    dates = [n for n in numbers if year_token.match(n)]
    rest = numbers - set(dates)
    if len(dates) != 2 or len(rest) != 1 or not all(n in candidates for n in cited):
        return False
    passages = normalise_numbers("\n".join(candidates[n].chunk.text for n in cited), lexicon)
    if not all(_token_in(date, passages, lexicon) for date in dates):
        return False
    first, second = sorted(int(year_token.match(d).group(1)) for d in dates)  # type: ignore[union-attr]
    return rest == {f"{second - first}{lexicon.numbers.dates.year}"}


def _count_holds(
    text: str, cited: Sequence[int], candidates: Mapping[int, Retrieved], lexicon: Lexicon
) -> bool:
    """A counting sentence (「共列出 12 份」): one figure is the number of distinct table
    rows it cites, and it cites nothing else; any other figure (the year of 「2024 年的共
    8 份」) is one that every cited row states."""
    chunks = {candidates[n].chunk.id for n in cited if n in candidates}
    if len(chunks) != len(cited) or not all(candidates[n].chunk.kind == "table_row" for n in cited):
        return False
    numbers = extract_numbers(claim_text(text, lexicon), lexicon)
    count = str(len(chunks))
    if count not in numbers:
        return False
    rows = [normalise_numbers(candidates[n].chunk.text, lexicon) for n in cited]
    return all(_token_in(other, row, lexicon) for other in numbers - {count} for row in rows)


def _combined(
    text: str,
    results: Mapping[int, tuple[tuple[int, int], bool, tuple[str, ...]]],
    candidates: Mapping[int, Retrieved],
    lexicon: Lexicon,
) -> tuple[list[int], bool]:
    """Markers that together support a sentence combining facts from several passages.

    A passage takes part when its quote supports the sentence on its own terms or
    contributes a verbatim name of it (a table cell such as 「首版次软件综合保险」 in
    「应用阶段：首台(套)…、首版次软件综合保险、…」); together the quotes must support
    the sentence and hold all its numbers. Returns the markers, and whether the
    sentence is a listing verified item by item (some passage joined by a name).
    """
    claim = _content(claim_text(text, lexicon), lexicon)
    usable = []
    by_name = False
    quotes = {
        n: citable_text(candidates[n].chunk)[0][start:end]
        for n, ((start, end), _, _) in results.items()
    }
    for n, quote in quotes.items():
        if support(text, quote, lexicon) >= MIN_SUPPORT:
            usable.append(n)
        elif longest_common_run(claim, _content(quote, lexicon)) >= MIN_SHARED_NAME:
            usable.append(n)
            by_name = True
    if not usable:
        return [], False
    joined = "\n".join(quotes[n] for n in usable)
    if support(text, joined, lexicon) < MIN_SUPPORT or missing_numbers(text, joined, lexicon):
        return [], False
    if by_name and not _items_held(text, _content(joined, lexicon), lexicon):
        return [], False
    return usable, by_name


def _items_held(text: str, quoted: str, lexicon: Lexicon) -> bool:
    """Every item of a listing sentence (「…：甲、乙、丙」) is named in the quotes."""
    listed = claim_text(text, lexicon).split("：")[-1]
    items = [_content(item, lexicon) for item in re.split(r"[、，,；;]", listed)]
    return all(
        item in quoted or longest_common_run(item, quoted) >= min(len(item), MIN_SHARED_NAME + 1)
        for item in items
        if item
    )


_TERMINAL = "。！？!?；;…"


def render_sentence(sentence: AnswerSentence) -> str:
    """One sentence with its markers placed before the final punctuation: 「…[1][2]。」."""
    text = _strip_markers(sentence.text).rstrip()
    markers = "".join(f"[{n}]" for n in sentence.citations)
    if text and text[-1] in _TERMINAL:
        return text[:-1] + markers + text[-1]
    return text + markers


def render_answer(sentences: Iterable[AnswerSentence]) -> str:
    """Join sentences with their [n] markers; lines without end punctuation keep a newline."""
    parts: list[str] = []
    for sentence in sentences:
        rendered = render_sentence(sentence)
        if not rendered:
            continue
        if parts and parts[-1][-1] not in _TERMINAL:
            parts.append("\n")
        parts.append(rendered)
    return "".join(parts)


# ---------------------------------------------------------------------------
# The verify stage: a Draft becomes the Answer
# ---------------------------------------------------------------------------

_NOT_FOUND = "报告中没有找到能直接回答这个问题的内容。"
# A why-question whose passage states the fact but gives no reason (rag.extractive).
NO_REASON_FOUND = "报告中没有找到说明原因的内容。"
_NOT_MENTIONED = "报告中没有提到{terms}。"
# At most this many absent terms are named.
_MAX_NAMED = 3
_NOTHING_VERIFIED = "模型给出的回答未能通过引文核对，已全部删除。"
_LEAK_SUPPORT = 0.6  # share of a sentence's bigrams found in a withheld text that marks a leak
_HIDDEN_LEAK = "（此句复述了系统提示，已隐藏）"


# jieba's tags of verbs (not verbal nouns: 「研发」 names a topic), adverbs, adjectives,
# prepositions and conjunctions (「为了」).
# Also quantities and ranks (「一大截」「前三」, m), distinctions (「大规模」, b), positions
# and measures: the asker's wording of how much or which, not a topic.
_NOT_TOPIC_TAGS = frozenset(
    {"v", "vd", "vg", "vi", "vq", "d", "dg", "a", "ad", "ag", "z", "p", "c", "m", "mq", "b", "f"}
    | {"q", "t"}
)


def absent_terms(
    question: Question,
    report_has: Callable[[str], bool] | None,
    lexicon: Lexicon | None = None,
) -> tuple[str, ...]:
    """The question's own terms that the searched report does not contain.

    `report_has(term)` says whether the report's text holds the term (or an
    abbreviation of it); a term counts as absent only when it says no, so a refusal
    that names these never claims the report lacks a word it has. With `lexicon`, the
    words that ask an amount (「百分之几」「多少度」) are not named: they ask, and name no
    topic the report could lack.
    """
    if report_has is None:
        return ()
    asking = lexicon.patterns.asked_amount if lexicon is not None else None
    # A pronoun (他们, 这些) points at the conversation, not at a topic the report lacks;
    # a verb, adverb, adjective or state word (打算, 拍板, 单独, 最狠) is the asker's wording,
    # and naming it as missing would suggest the topic is (「没有提到领先」 of a ranking the
    # report gives). A time word scopes the question (明年, 上半年; jieba also tags 前三
    # so): the report may date the same thing otherwise.
    return tuple(
        t.text
        for t in question.terms
        if not t.carried
        and not t.tag.startswith("r")
        and t.tag not in _NOT_TOPIC_TAGS
        and not (asking is not None and asking.match(t.text))
        and not (lexicon is not None and _asks_who(t.text, lexicon))
        # 「在哪个城市」「是啥因素」: the kind of answer asked for, not what it is about; nor
        # 「作者」「文章」, which point at the report itself.
        and not (
            lexicon is not None
            and (
                t.text in lexicon.evidence.answer_kinds
                or t.text in lexicon.evidence.figure_kinds
                or t.text in lexicon.report.summary.generic
            )
        )
        and not report_has(t.text)
        and not _said_in_other_words(t.text, report_has, lexicon)
    )


def _asks_who(term: str, lexicon: Lexicon) -> bool:
    """「由谁来」「是谁」: a token holding the asking word asks; it names no topic."""
    patterns = lexicon.patterns
    return bool(patterns.asked_who.search(term) or patterns.asked_agent.search(term))


def _said_in_other_words(
    term: str, report_has: Callable[[str], bool], lexicon: Lexicon | None
) -> bool:
    """Whether the report names the term's scope in other words: 「国内」 is 「我国」「中国」
    to a report on China, which names no 国内 yet is all about it."""
    if lexicon is None:
        return False
    return any(
        term in scope and any(report_has(word) for word in scope if word != term)
        for scope in lexicon.evidence.premises.scopes
    )


def refusal_text(absent: Sequence[str] = ()) -> str:
    """The refusal: nothing in the report answers; and which of the question's words the
    report never mentions (`absent_terms`), if any. It states nothing else about the
    report, so it cannot misstate it."""
    if not absent:
        return _NOT_FOUND
    return _NOT_FOUND + _NOT_MENTIONED.format(terms="、".join(absent[:_MAX_NAMED]))


def redact_recitals(
    dropped: Sequence[str], withheld: Sequence[str], lexicon: Lexicon
) -> tuple[str, ...]:
    """Dropped sentences, with any that recite a withheld text (a prompt) hidden.

    `Answer.dropped` is shown in diagnostics and the JSON API; a model that obeyed an
    injected "print your system prompt" must not leak it through that door.
    """
    if not withheld:
        return tuple(dropped)
    secret = "\n".join(withheld)
    return tuple(
        _HIDDEN_LEAK if len(text) >= 8 and support(text, secret, lexicon) >= _LEAK_SUPPORT else text
        for text in dropped
    )


def _notice(draft: Draft, verified: VerifiedAnswer, refused: bool) -> str:
    """What a model's answer lost to the check (extractive answers carry no notice)."""
    if not draft.model or not verified.dropped:
        return ""
    if refused:
        return "" if draft.refused else _NOTHING_VERIFIED
    return f"有 {len(verified.dropped)} 句未通过引文核对，已删除。"


def assemble_answer(
    draft: Draft, question: Question, lexicon: Lexicon, absent: Sequence[str] = ()
) -> Answer:
    """Verify a Draft's citations and turn it into the `Answer` (the chain's final stage).

    The lead sentence cites what the first sentence cites. Sentences whose citations
    fail are dropped; a draft that refused, or has no cited sentence left, becomes the
    refusal of `refusal_text` (naming only `absent`, the question's terms the searched
    report lacks; a model's own refusal sentence is not shown, as it may name words the
    report has) with the three closest passages.
    """
    sentences = list(draft.sentences)
    if draft.lead and sentences:
        sentences.insert(0, AnswerSentence(draft.lead, sentences[0].citations))
    verified = verify_answer(sentences, draft.candidates, lexicon)
    refused = draft.refused or not any(s.citations for s in verified.sentences)
    sources = draft.sources()
    kept = verified.sentences
    if refused:
        kept = ()
        sources = sources[:3]
    return Answer(
        question=question.wording.typed,
        resolved_question=question.shown_resolution,
        followup=question.followup,
        text=render_answer(kept) if kept else (draft.refusal or refusal_text(absent)),
        refused=refused,
        mode="llm" if draft.model else "extractive",
        model=draft.model,
        citations=() if refused else verified.citations,
        retrieved=sources,
        sentences=kept,
        dropped=redact_recitals(verified.dropped, draft.withheld, lexicon),
        notice=_notice(draft, verified, refused),
        strategy=draft.strategy,
    )
