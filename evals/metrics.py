"""Pure evaluation metrics for reportqa: no models, no files, no environment.

The eval runner feeds these functions the golden items (`evals/golden.jsonl`)
and one result dict per item: the shape of `rag.types.Answer.to_json()` plus
`latency_ms`. Everything here is deterministic string and arithmetic work, so
it can be unit-tested on tiny synthetic data.

Normalisation (`normalise`) is the single notion of "the same text" used by
key-fact checks and evidence matching:

* NFKC (full-width digits, letters and punctuation become half-width);
* ASCII letters lower-cased (``ArF`` == ``arf``);
* all whitespace, control and format characters removed;
* all punctuation (Chinese and ASCII) removed, except ``%`` and a ``.`` that
  sits between two digits (so ``1.4 亿元`` stays distinct from ``14 亿元`` and
  ``2.5%`` from ``25``);
* Chinese numerals are NOT converted; golden items list numeral variants as
  alternatives instead.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "SYSTEMS",
    "absence_claims",
    "aggregate",
    "check_thresholds",
    "cites_expected_section",
    "evidence_rank",
    "false_absence_terms",
    "format_table",
    "key_facts_ok",
    "list_failures",
    "normalise",
    "percentile",
    "section_number",
    "squash",
]

#: Default system columns of the comparison table, in display order.
SYSTEMS: tuple[str, ...] = (
    "reportqa",
    "langchain-baseline",
    "chatchat-baseline",
    "bm25-baseline",
)

#: Evidence shorter than this (after normalisation) must match in full (or split
#: across two chunks); longer evidence may also match by a 60% contiguous part.
PARTIAL_MIN_CHARS = 20
#: Share of the normalised evidence that one chunk must contain contiguously.
PARTIAL_SHARE = 0.6

_KEEP_PUNCT = {"%"}
_CITATION_MARK = re.compile(r"\[\s*\d+(?:\s*[,，、]\s*\d+)*\s*\]")


# --------------------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Canonical form for matching: NFKC, ASCII lower-case, no spaces or punctuation.

    >>> normalise("２０１５ 年，《首台（套）》")
    '2015年首台套'
    >>> normalise("近 1.4 亿元，2.5% ArF")
    '近1.4亿元2.5%arf'
    """
    s = unicodedata.normalize("NFKC", text or "")
    out: list[str] = []
    for i, ch in enumerate(s):
        cat = unicodedata.category(ch)
        if ch.isspace() or cat[0] in ("Z", "C"):
            continue
        if cat[0] == "P" and ch not in _KEEP_PUNCT:
            if ch == "." and _digit_at(s, i - 1, -1) and _digit_at(s, i + 1, 1):
                out.append(ch)
            continue
        out.append(ch.lower() if ch.isascii() else ch)
    return "".join(out)


def _digit_at(s: str, i: int, step: int) -> bool:
    """Is the nearest non-space character from index `i` (walking by `step`) a digit?"""
    while 0 <= i < len(s) and s[i].isspace():
        i += step
    return 0 <= i < len(s) and s[i].isdigit()


def strip_citation_marks(text: str) -> str:
    """Remove inline citation markers such as ``[1]`` or ``[2, 3]`` from an answer."""
    return _CITATION_MARK.sub("", text or "")


def key_facts_ok(
    answer_text: str, must_include: Sequence[Sequence[str]]
) -> tuple[bool, list[list[str]]]:
    """Check that the answer states every key fact.

    `must_include` is a list of groups; each group is a list of alternatives
    (numeral variants, abbreviations). The answer passes when, after removing
    citation markers and normalising, it contains at least one alternative of
    every group. Returns ``(ok, missing_groups)``; an empty `must_include` is
    trivially satisfied.
    """
    norm_answer = normalise(strip_citation_marks(answer_text))
    missing: list[list[str]] = []
    for group in must_include:
        alts = [normalise(a) for a in group]
        if not any(a and a in norm_answer for a in alts):
            missing.append(list(group))
    return (not missing, missing)


# --------------------------------------------------------------------- retrieval


def _longest_prefix_as_suffix(evidence: str, chunk: str) -> int:
    """Length of the longest prefix of `evidence` that is a suffix of `chunk`."""
    for k in range(min(len(evidence), len(chunk)), 0, -1):
        if chunk.endswith(evidence[:k]):
            return k
    return 0


def _longest_suffix_as_prefix(evidence: str, chunk: str) -> int:
    """Length of the longest suffix of `evidence` that is a prefix of `chunk`."""
    for k in range(min(len(evidence), len(chunk)), 0, -1):
        if chunk.startswith(evidence[-k:]):
            return k
    return 0


def _contains_part(evidence: str, chunk: str) -> bool:
    """Does `chunk` contain a contiguous part of `evidence` of >= PARTIAL_SHARE of it?"""
    if len(evidence) < PARTIAL_MIN_CHARS:
        return False
    width = math.ceil(PARTIAL_SHARE * len(evidence))
    return any(evidence[s : s + width] in chunk for s in range(len(evidence) - width + 1))


def evidence_rank(evidence: str, retrieved_texts: Sequence[str]) -> int | None:
    """1-based rank at which the evidence quote becomes available, or None.

    Both sides are normalised. The quote is found at rank ``r`` when

    1. chunk ``r`` contains the whole quote; or
    2. chunk ``r`` contains a contiguous part of at least 60% of the quote's
       characters (only for quotes of >= 20 normalised characters, so short
       quotes such as a date cannot match by a fragment); or
    3. the quote is split across two retrieved chunks ``i`` and ``j``: chunk
       ``i`` ends with a prefix of the quote, chunk ``j`` starts with a suffix
       of it, and the two pieces together cover the whole quote (they may
       overlap, as overlapping chunkers produce). Both pieces are needed, so the
       rank is ``max(i, j)``: the quote is complete only once both are retrieved.

    The smallest such rank is returned; None when the quote is not retrieved
    (or is empty).
    """
    ev = normalise(evidence)
    if not ev:
        return None
    chunks = [normalise(t) for t in retrieved_texts]
    heads = [_longest_prefix_as_suffix(ev, c) for c in chunks]  # chunk ends with ev[:k]
    tails = [_longest_suffix_as_prefix(ev, c) for c in chunks]  # chunk starts with ev[-k:]
    for r, chunk in enumerate(chunks):
        if ev in chunk or _contains_part(ev, chunk):
            return r + 1
        for i in range(r):
            pair = (heads[i] and tails[r] and heads[i] + tails[r] >= len(ev)) or (
                heads[r] and tails[i] and heads[r] + tails[i] >= len(ev)
            )
            if pair:
                return r + 1
    return None


# ---------------------------------------------------------------------- sections

_CN_DIGITS = {ch: value for value, ch in enumerate("零一二三四五六七八九")}
#: A top-level heading's number: 「三、」「第三章」「第三部分」, or an Arabic number that
#: is not a year, a date or a share (「3 中国…」「3中国…」「3.1 …」, not 「2015年」「20%」).
_CN_HEADING = re.compile(r"^第?([一二三四五六七八九十]{1,3})(?:、|章|部分|节)")
_ARABIC_HEADING = re.compile(r"^(\d{1,2})(?![\d年月日%])")
#: Unnumbered parts a set may name, and the words in a citation label that mark them.
_FRONT_WORDS = ("前置", "摘要", "封面", "目录")
_INTRO_WORDS = ("引言", "前言", "导言")
_BACK_WORDS = ("致谢", "版权")


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral up to 99 (「三」 3, 「十二」 12, 「二十」 20), else None."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def section_number(label: str) -> int | None:
    """The number of a top-level section heading, or None when it is not a numbered one.

    >>> section_number("三、政策性科技保险取得新进展"), section_number("3中国制造业")
    (3, 3)
    >>> section_number("3.1 研究方法"), section_number("2025 科技保险发展分析报告")
    (3, None)
    """
    head = unicodedata.normalize("NFKC", label or "").strip()
    m = _CN_HEADING.match(head)
    if m:
        return chinese_number(m.group(1))
    m = _ARABIC_HEADING.match(head)
    return int(m.group(1)) if m else None


def expected_section_number(section: str) -> int | None:
    """An item's `section` as a number: 「三」 (the seed's sets) or 「3」 (the library's)."""
    value = unicodedata.normalize("NFKC", section or "").strip()
    if value.isdigit():
        return int(value)
    return chinese_number(value)


def cites_expected_section(section: str, citations: Iterable[Mapping[str, Any]]) -> bool:
    """Do the citations include the golden item's expected section?

    Only a citation's top-level section (the first element of its section path,
    else its label) counts: inner headings such as the product grid's
    "四、保障主体" row group must not pass for section 四.

    * A numbered section, as the seed's sets write it (``一``..``十``) or as the
      library's do (``1``, ``2``…): the top-level heading carries that number,
      however it is written: ``三、…``, ``第三章…``, ``3 …``, ``3中国…`` or a
      flattened ``3.1 …`` (see `section_number`).
    * ``前置`` (title, authors, 摘要, series blurb, table of contents): a
      citation of unnumbered front matter (``page_start`` is None, or no section
      path) or whose label mentions 前置/摘要/封面/目录.
    * ``摘要``: a citation whose label mentions 摘要.
    * ``引言`` (the text before the first numbered section): a citation whose
      label mentions 引言/前言/导言, or a numbered-page citation outside every
      numbered section and outside the front and back matter (an introduction
      often has no heading of its own).
    * ``致谢`` (acknowledgements and the copyright notice after them): a
      citation whose label mentions 致谢/版权.
    """
    wanted = expected_section_number(section)
    for c in citations:
        label = str(c.get("section") or "").strip()
        path = [str(p).strip() for p in (c.get("section_path") or [])]
        first = path[0] if path else label
        number = section_number(first)
        if wanted is not None:
            if number == wanted:
                return True
        elif section == "前置":
            if c.get("page_start") is None or not path or any(k in label for k in _FRONT_WORDS):
                return True
        elif section == "摘要":
            if "摘要" in label:
                return True
        elif section == "引言":
            if any(k in label for k in _INTRO_WORDS):
                return True
            if (
                c.get("page_start") is not None
                and number is None
                and not any(k in label for k in (*_BACK_WORDS, *_FRONT_WORDS))
            ):
                return True
        elif section == "致谢" and any(k in label for k in _BACK_WORDS):
            return True
    return False


# --------------------------------------------------------------- absence claims

#: 「报告中没有提到X、Y的相关信息。」 (rag/extractive.py `refusal_text`) and the LLM
#: prompt's 「报告中没有提到……」, with the verifier's variants of the verb.
_ABSENCE = re.compile(
    r"报告(?:中|里)?(?:没有|未|并未|并没有)(?:提到|提及|涉及|找到)(?P<what>[^。！？!?\n；;]*)"
)
_ABSENCE_TAIL = re.compile(r"(?:的)?相关(?:信息|内容|情况)$")
_TERM_SPLIT = re.compile(r"[、，,/／]")


def absence_claims(answer: str) -> list[str]:
    """The terms an answer says the report does not mention, in order.

    「报告中没有提到科技保险、保费的相关信息。」 gives ``["科技保险", "保费"]``. A
    claim about the question as a whole (「…这个问题的答案」「…能直接回答这个问题的内容」)
    names no term and gives nothing.
    """
    terms: list[str] = []
    for m in _ABSENCE.finditer(strip_citation_marks(answer or "")):
        what = _ABSENCE_TAIL.sub("", m.group("what").strip()).strip()
        if not what or "这个问题" in what:
            continue
        terms.extend(t.strip() for t in _TERM_SPLIT.split(what) if t.strip())
    return terms


def squash(text: str) -> str:
    """NFKC, ASCII lower-case, no whitespace: the form in which a term "is in" a text."""
    return "".join(
        ch.lower() if ch.isascii() else ch
        for ch in unicodedata.normalize("NFKC", text or "")
        if not ch.isspace()
    )


def false_absence_terms(answer: str, texts: Iterable[str]) -> list[str]:
    """The terms `answer` claims are absent although one of `texts` contains them.

    Comparison is on `squash`ed text (NFKC, whitespace removed, ASCII case
    ignored). Pass the report's full text, or its chunk texts one by one (a term
    is then present when one chunk holds it whole).
    """
    terms = absence_claims(answer)
    if not terms:
        return []
    haystacks = [squash(t) for t in texts]
    return [t for t in terms if (needle := squash(t)) and any(needle in h for h in haystacks)]


# --------------------------------------------------------------------- aggregate


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _share(flags: Sequence[bool], empty: float = float("nan")) -> float:
    return sum(flags) / len(flags) if flags else empty


def _pair(
    items: Sequence[Mapping[str, Any]],
    results: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Pair items with results: `results` is keyed by item id or aligned with `items`.

    An item without a result gets an empty result (counted as a refusal with
    no citations), so a crashed question cannot improve any metric.
    """
    if isinstance(results, Mapping):
        return [(it, results.get(str(it["id"]), {})) for it in items]
    if len(results) != len(items):
        raise ValueError(f"{len(results)} results for {len(items)} items")
    return list(zip(items, results, strict=True))


def _retrieved_texts(result: Mapping[str, Any]) -> list[str]:
    return [str(r.get("text", "")) for r in result.get("retrieved") or []]


def _refused(result: Mapping[str, Any]) -> bool:
    return bool(result.get("refused", True)) if result else True


def _is_answerable(item: Mapping[str, Any]) -> bool:
    return item.get("type") != "unanswerable"


def aggregate(
    items: Sequence[Mapping[str, Any]],
    results: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
) -> dict[str, float]:
    """Compute the eval metrics of one system over the golden items.

    Returned keys (all floats; NaN when a denominator is empty):

    * ``hit_at_1``, ``hit_at_3``, ``hit_at_5``, ``mrr``: answerable items with a
      non-empty `evidence`, via `evidence_rank` over ``result["retrieved"]``
      (MRR counts a miss as 0).
    * ``key_fact_accuracy``: answerable items (every type but unanswerable)
      that are not refused and pass `key_facts_ok`; also
      ``key_fact_accuracy[<type>]`` per type. For false-premise items this is
      exactly "states the correct fact and is not refused".
    * ``false_premise_ok``: the same, over false-premise items only.
    * ``answer_chars_mean``: mean length of the answer text (citation markers
      removed), over all items.
    * ``citations_verified``: verified citations / all citations (micro,
      over all items; 1.0 when there are no citations at all, which
      ``cited_share`` then exposes).
    * ``expected_section_cited``: answerable items whose citations include the
      expected `section` (see `cites_expected_section`).
    * ``cited_share``: answerable items with at least one citation.
    * ``refusal_rate``: unanswerable items that were refused.
    * ``false_refusal_rate``: answerable items that were refused.
    * ``latency_p50_ms``, ``latency_p95_ms``: over items with ``latency_ms``.
    * ``n_items``, ``n_answerable``, ``n_unanswerable``, ``n_with_evidence``.
    """
    pairs = _pair(items, results)
    ranks: list[int | None] = []
    kf: list[bool] = []
    kf_by_type: dict[str, list[bool]] = {}
    section_ok: list[bool] = []
    cited: list[bool] = []
    false_refusals: list[bool] = []
    refusals: list[bool] = []
    lengths: list[int] = []
    verified: list[bool] = []
    latencies: list[float] = []

    for item, res in pairs:
        refused = _refused(res)
        citations = list(res.get("citations") or [])
        lengths.append(len(strip_citation_marks(str(res.get("answer", ""))).strip()))
        verified.extend(bool(c.get("verified")) for c in citations)
        if res.get("latency_ms") is not None:
            latencies.append(float(res["latency_ms"]))
        if not _is_answerable(item):
            refusals.append(refused)
            continue
        if item.get("evidence"):
            ranks.append(evidence_rank(str(item["evidence"]), _retrieved_texts(res)))
        ok = (not refused) and key_facts_ok(str(res.get("answer", "")), item["must_include"])[0]
        kf.append(ok)
        kf_by_type.setdefault(str(item.get("type", "")), []).append(ok)
        section_ok.append(cites_expected_section(str(item.get("section", "")), citations))
        cited.append(bool(citations))
        false_refusals.append(refused)

    metrics: dict[str, float] = {
        "n_items": float(len(pairs)),
        "n_answerable": float(len(kf)),
        "n_unanswerable": float(len(refusals)),
        "n_with_evidence": float(len(ranks)),
    }
    for k in (1, 3, 5):
        metrics[f"hit_at_{k}"] = _share([r is not None and r <= k for r in ranks])
    metrics["mrr"] = (
        sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else float("nan")
    )
    metrics["key_fact_accuracy"] = _share(kf)
    for t in sorted(kf_by_type):
        metrics[f"key_fact_accuracy[{t}]"] = _share(kf_by_type[t])
    metrics["false_premise_ok"] = _share(kf_by_type.get("false-premise", []))
    metrics["answer_chars_mean"] = sum(lengths) / len(lengths) if lengths else float("nan")
    metrics["citations_verified"] = _share(verified, empty=1.0)
    metrics["expected_section_cited"] = _share(section_ok)
    metrics["cited_share"] = _share(cited)
    metrics["refusal_rate"] = _share(refusals)
    metrics["false_refusal_rate"] = _share(false_refusals)
    metrics["latency_p50_ms"] = percentile(latencies, 50)
    metrics["latency_p95_ms"] = percentile(latencies, 95)
    return metrics


#: The strategy of a result that names none (an error, or a run before `strategy` existed).
NO_STRATEGY = "—"


def by_strategy(
    items: Sequence[Mapping[str, Any]],
    results: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
) -> dict[str, dict[str, float]]:
    """Per answer strategy (``result["strategy"]``): how many items it answered and how well.

    For each strategy, in order of first appearance: ``n_items`` (the items whose
    answer it drafted, refusals included), ``n_answerable`` (those not of type
    unanswerable) and ``key_fact_accuracy`` over those answerable items, counted as
    in `aggregate` (not refused and every key fact stated; NaN without any).
    """
    counts: dict[str, list[int]] = {}
    for item, res in _pair(items, results):
        name = str(res.get("strategy") or NO_STRATEGY)
        n, answerable, ok = counts.setdefault(name, [0, 0, 0])
        counts[name][0] = n + 1
        if _is_answerable(item):
            counts[name][1] = answerable + 1
            if (
                not _refused(res)
                and key_facts_ok(str(res.get("answer", "")), item["must_include"])[0]
            ):
                counts[name][2] = ok + 1
    return {
        name: {
            "n_items": float(n),
            "n_answerable": float(answerable),
            "key_fact_accuracy": ok / answerable if answerable else float("nan"),
        }
        for name, (n, answerable, ok) in counts.items()
    }


def format_strategy_table(strategies: Mapping[str, Mapping[str, float]]) -> str:
    """Markdown table: one row per strategy, with its items and key-fact accuracy."""
    lines = [
        "| strategy | items | answerable | key-fact accuracy |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, m in strategies.items():
        counts = [str(int(m.get(k, 0))) for k in ("n_items", "n_answerable")]
        cells = [*counts, _fmt(m.get("key_fact_accuracy"))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------- reporting


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3f}"


def format_table(
    rows: Mapping[str, Mapping[str, float]], systems: Sequence[str] | None = None
) -> str:
    """Markdown table: one row per metric, one column per system.

    `rows` maps system name -> metrics dict (as returned by `aggregate`).
    Columns follow `systems` (default `SYSTEMS`, then any other systems in
    `rows`, in their order); systems absent from `rows` are skipped. Metric
    rows appear in first-seen order; a metric a system lacks is shown as "—".
    """
    order = [s for s in (systems or SYSTEMS) if s in rows]
    order += [s for s in rows if s not in order]
    metric_names: list[str] = []
    for s in order:
        for m in rows[s]:
            if m not in metric_names:
                metric_names.append(m)
    lines = [
        "| metric | " + " | ".join(order) + " |",
        "| --- | " + " | ".join("---:" for _ in order) + " |",
    ]
    for m in metric_names:
        cells = [_fmt(rows[s].get(m)) for s in order]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def check_thresholds(metrics: Mapping[str, float], thresholds: Mapping[str, Any]) -> list[str]:
    """Compare metrics with `evals/thresholds.toml`; return failure messages.

    A key ``name`` is a floor (``metrics[name] >= value``); a key ``name_max``
    is a ceiling on ``metrics[name]``. Nested tables (e.g. ``[reportqa]``) are
    not interpreted here: pass the table that applies. A missing or NaN metric
    is a failure. An empty list means all thresholds hold.
    """
    failures: list[str] = []
    for key, limit in thresholds.items():
        if isinstance(limit, Mapping):
            continue
        is_max = key.endswith("_max")
        name = key[: -len("_max")] if is_max else key
        value = metrics.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            failures.append(f"{name}: missing (threshold {'<=' if is_max else '>='} {limit})")
            continue
        if is_max and value > float(limit):
            failures.append(f"{name}: {value:.3f} > max {float(limit):.3f}")
        elif not is_max and value < float(limit):
            failures.append(f"{name}: {value:.3f} < min {float(limit):.3f}")
    return failures


def list_failures(
    items: Sequence[Mapping[str, Any]],
    results: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]],
    k: int = 5,
) -> list[dict[str, Any]]:
    """One dict per item that failed any check, for a human to read.

    Keys: ``id``, ``type``, ``section``, ``question``, ``answer``, ``refused``,
    ``missing`` (must_include groups not found), ``evidence_rank`` and ``why``
    (a list of reasons: refused an answerable question, answered an
    unanswerable one, missing key facts, evidence not in the top `k`,
    unverified citations, expected section not cited).
    """
    out: list[dict[str, Any]] = []
    for item, res in _pair(items, results):
        refused = _refused(res)
        answer = str(res.get("answer", ""))
        citations = list(res.get("citations") or [])
        why: list[str] = []
        missing: list[list[str]] = []
        rank: int | None = None
        if not _is_answerable(item):
            if not refused:
                why.append("answered an unanswerable question")
        else:
            if refused:
                why.append("refused an answerable question")
            ok, missing = key_facts_ok(answer, item["must_include"])
            if not ok:
                why.append("missing key facts")
            if item.get("evidence"):
                rank = evidence_rank(str(item["evidence"]), _retrieved_texts(res))
                if rank is None or rank > k:
                    why.append(f"evidence not retrieved in top {k}")
            if not cites_expected_section(str(item.get("section", "")), citations):
                why.append(f"expected section {item.get('section')} not cited")
        if any(not c.get("verified") for c in citations):
            why.append("unverified citation")
        if why:
            out.append(
                {
                    "id": item.get("id"),
                    "type": item.get("type"),
                    "section": item.get("section"),
                    "question": item.get("question"),
                    "answer": answer,
                    "refused": refused,
                    "missing": missing,
                    "evidence_rank": rank,
                    "why": why,
                }
            )
    return out
