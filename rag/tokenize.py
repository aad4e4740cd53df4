"""Chinese tokenisation for BM25, with a user dictionary derived from the corpus.

jieba's stock dictionary does not know the report's product and organisation
names (中试综合保险, 凯世通公司, 科惠保 …), so it splits them into pieces that
also occur everywhere else and BM25 loses the rare, decisive term. The terms
are therefore harvested from the reports themselves (`derive_user_terms`) and
added to a private `jieba.Tokenizer` — never the global one, which other code
in the same process may use differently.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jieba

from rag.lexicon import Lexicon
from rag.textnorm import char_pairs

# Text inside brackets that is part of a name, e.g. 首台（套）: after NFKC the
# brackets are ASCII. jieba cannot keep punctuation inside a token, and users
# type 首台套 anyway, so such short Han-only brackets are dissolved.
_INNER_BRACKETS = re.compile(r"(?<=[\u4e00-\u9fff])\(([\u4e00-\u9fff]{1,3})\)(?=[\u4e00-\u9fff])")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")

_QUOTED = re.compile(r"[“「『]([^“”「」『』\n]{2,12})[”」』]")
_TITLE = re.compile(r"《([^《》\n]{2,40})》")
_ABBREV = re.compile(r"[（(]([\u4e00-\u9fffA-Za-z0-9]{2,8})[）)]")
# What jieba can keep in one token (its re_han_default); other terms are skipped.
_JIEBA_TOKEN = re.compile(r"^[\u4e00-\u9fd5a-zA-Z0-9+#&._%\-]+$")
# A name whose extra prefix over another harvested name is this short is
# usually "verb + name" (健全知识产权被侵权损失保险), so the shorter name wins.
_MAX_VERB_PREFIX = 2


def _nfkc_lower(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def normalise_for_tokens(text: str) -> str:
    """The text form that tokens are cut from: NFKC, lower case, 首台(套) → 首台套."""
    return _INNER_BRACKETS.sub(r"\1", _nfkc_lower(text))


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in token)


def _candidates_by_suffix(
    texts: list[str], suffix: re.Pattern[str], min_len: int, max_len: int, split: re.Pattern[str]
) -> set[str]:
    counts: Counter[str] = Counter()
    in_list: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            # Table cells (tab-separated) and enumerations (A、B) are where
            # the report lists names cleanly, without a governing verb.
            is_table = "\t" in line
            for piece in re.split(r"(、)", line):
                for seg in split.split(piece):
                    seg = seg.strip()
                    if not (min_len <= len(seg) <= max_len) or not suffix.search(seg):
                        continue
                    if len(_HAN.findall(seg)) < min_len:
                        continue
                    counts[seg] += 1
                    if is_table or "、" in line:
                        in_list.add(seg)
    kept = {c for c, n in counts.items() if n >= 2 or c in in_list}
    # Drop "verb + name" when "name" itself was harvested.
    return {
        c
        for c in kept
        if not any(
            c != other and c.endswith(other) and len(c) - len(other) <= _MAX_VERB_PREFIX
            for other in kept
        )
    }


def _org_candidates(texts: list[str], lexicon: Lexicon) -> set[str]:
    # Organisation names are mostly followed by 的/在/等 ("凯世通公司的低能离子注入机"),
    # so take the shortest "name + suffix" at the start of a segment.
    patterns = lexicon.patterns
    found: set[str] = set()
    for text in texts:
        for seg in patterns.segment_split.split(text):
            m = patterns.org_at_start.match(seg)
            if m and not _names_someone_acting(m.group(1)):
                found.add(m.group(1))
    return found


def _names_someone_acting(candidate: str) -> bool:
    """Whether a harvested name holds a person's name followed by a verb: a clause
    (「国务院副总理马凯担任委员会」), not an organisation's name."""
    # jieba's stock dictionary and POS table, read only (no user words are added to the
    # global instance); loaded on first use, about 0.9 s once per ingest.
    import jieba.posseg as pseg

    tags = [w.flag for w in pseg.lcut(candidate)]
    return any(tag.startswith("nr") and "v" in tags[i + 1 :] for i, tag in enumerate(tags))


def derive_user_terms(texts: Iterable[str], lexicon: Lexicon) -> list[str]:
    """Harvest names from report texts for the tokenizer's user dictionary.

    Returns, sorted and de-duplicated, in the tokenizer's normal form
    (`normalise_for_tokens`): short “quoted” names, 《titles》, product names
    ending in 保险/险, organisation names (…公司/局/中心/实验室 …) and
    parenthesised abbreviations. Nothing is typed by hand: every term occurs in
    the given texts.
    """
    patterns, stopwords = lexicon.patterns, lexicon.stopwords.for_retrieval
    raw = [unicodedata.normalize("NFKC", t) for t in texts]
    # NFKC turns （） into (), but quotes “” and 《》 survive; keep both forms.
    terms: set[str] = set()
    for text in raw:
        terms.update(m.group(1) for m in _QUOTED.finditer(text))
        terms.update(m.group(1) for m in _TITLE.finditer(text))
        terms.update(m.group(1) for m in _ABBREV.finditer(text))
        terms.update(m.group(1) for m in patterns.short_name.finditer(text))
        terms.update(m.group(1) for m in patterns.listed_person.finditer(text))
    flattened = [normalise_for_tokens(t) for t in raw]
    split = patterns.segment_split
    terms.update(_candidates_by_suffix(flattened, patterns.product_suffix, 4, 16, split))
    terms.update(_org_candidates(flattened, lexicon))
    out = set()
    for term in terms:
        norm = normalise_for_tokens(term).strip()
        # Single characters and pure numbers are not names.
        if len(norm) < 2 or not _HAN.search(norm) or norm in stopwords:
            continue
        out.add(norm)
    return sorted(out)


def _jieba_tokenizer(cache_dir: Path | None) -> Any:
    """A private jieba instance that keeps its prefix-dictionary cache in `cache_dir`."""
    tok = jieba.Tokenizer()
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            return tok  # a read-only place: jieba's own temp dir then
        # jieba writes its cache via mkstemp + rename in tmp_dir, so concurrent
        # processes sharing the dir are safe.
        tok.tmp_dir = str(cache_dir)
    return tok


def ensure_jieba_cache(cache_dir: Path) -> Path:
    """Build jieba's prefix-dictionary cache in `cache_dir` unless it is there (idempotent).

    Building the dictionary takes 0.7–1.6 s on this machine; every later tokenizer
    with this `cache_dir` (each home, scratch home and ingest sharing the models
    folder) reads it back in about 0.3 s.
    """
    logging.getLogger("jieba").setLevel(logging.WARNING)
    _jieba_tokenizer(cache_dir).initialize()
    return cache_dir


class Tokenizer:
    """Cuts Chinese text into BM25 tokens with a private jieba instance.

    jieba's prefix dictionary takes ~0.5-1 s to build, so it is built lazily
    on the first `cut` and reused. `cache_dir` is where jieba keeps its
    dictionary cache (`Paths.jieba_cache_dir`, built once at set-up by
    `ensure_jieba_cache`); None means jieba's default (the system temp dir).

    Tokens follow jieba's search mode (long words also emit their
    in-dictionary 2- and 3-character parts), except that a user term emits
    the tokens it would have been cut into without it, so a harvested name
    never hides the words inside it: 知识产权被侵权损失保险 still matches 知识产权
    and 损失保险, and an over-long harvested phrase is harmless.

    `char_bigrams` also adds the character bigrams of every Han run, which
    makes matching robust to segmentation differences between question and
    passage (首台套 vs 首台（套）). On 18 hand-written questions over this
    report it raised BM25 MRR@10 from 0.944 to 1.000 (paragraphs) and from
    0.926 to 0.952 (~150-char units), so it is on by default. Bigrams are
    taken over runs of kept tokens: stopwords and punctuation break runs.
    """

    def __init__(
        self,
        user_terms: Iterable[str] = (),
        cache_dir: str | Path | None = None,
        char_bigrams: bool = True,
        *,
        lexicon: Lexicon,
    ) -> None:
        self._stopwords = lexicon.stopwords.for_retrieval
        self._user_terms: set[str] = {normalise_for_tokens(t) for t in user_terms if t}
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.char_bigrams = char_bigrams
        self._jieba: jieba.Tokenizer | None = None
        self._parts: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def user_terms(self) -> tuple[str, ...]:
        """The user dictionary, in normal form, sorted."""
        return tuple(sorted(self._user_terms))

    def _ensure(self) -> jieba.Tokenizer:
        if self._jieba is not None:
            return self._jieba
        with self._lock:
            if self._jieba is None:
                # jieba logs "Building prefix dict ..." at DEBUG to stderr.
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tok = _jieba_tokenizer(self._cache_dir)
                tok.initialize()
                self._add_terms(tok, sorted(self._user_terms))
                self._jieba = tok
        return self._jieba

    def _add_terms(self, tok: Any, terms: list[str]) -> None:
        usable = [t for t in terms if _JIEBA_TOKEN.match(t)]
        for term in usable:
            # suggest_freq gives the frequency at which the whole term beats
            # its own pieces; the margin makes it win against neighbours too.
            freq = tok.suggest_freq(term, tune=False)
            tok.add_word(term, freq=max(freq * 10, 1000))
        # Pieces of each term as cut with every other term in the dictionary
        # (so a long phrase still yields the shorter names inside it).
        for term in usable:
            freq = tok.FREQ[term]
            tok.del_word(term)
            self._parts[term] = self._clean(tok.cut(term), self._stopwords)
            tok.add_word(term, freq=freq)

    def add_terms(self, terms: Iterable[str]) -> None:
        """Add more user terms (e.g. after a new report was ingested).

        Text indexed before must be re-tokenised for BM25 to see them.
        """
        new = sorted({normalise_for_tokens(t) for t in terms if t} - self._user_terms)
        if not new:
            return
        with self._lock:
            self._user_terms.update(new)
            if self._jieba is not None:
                self._add_terms(self._jieba, new)

    @staticmethod
    def _clean(pieces: Iterable[str], stopwords: frozenset[str]) -> list[str]:
        out = []
        for piece in pieces:
            p = piece.strip()
            if p and p not in stopwords and _is_word(p):
                out.append(p)
        return out

    def _dictionary_grams(self, tok: Any, word: str) -> list[str]:
        # jieba's search mode: the 2- and 3-character parts that are words.
        grams = []
        for n in (2, 3):
            if len(word) > n:
                for i in range(len(word) - n + 1):
                    gram = word[i : i + n]
                    if tok.FREQ.get(gram) and gram not in self._stopwords:
                        grams.append(gram)
        return grams

    def _expand(self, tok: Any, piece: str, out: list[str], depth: int) -> None:
        out.append(piece)
        parts = self._parts.get(piece)
        if parts is not None and depth < 3:
            # A user term: add what it is made of (recursively, for names
            # nested in longer harvested phrases).
            for part in parts:
                if part != piece:
                    self._expand(tok, part, out, depth + 1)
        elif len(piece) > 2:
            out.extend(self._dictionary_grams(tok, piece))

    def jieba(self) -> Any:
        """The private jieba instance (with the user terms), e.g. for POS tagging."""
        return self._ensure()

    def knows(self, word: str) -> bool:
        """Whether `word` is in the dictionary: jieba's own or the report's terms."""
        return self._ensure().FREQ.get(word, 0) > 0

    def cut(self, text: str) -> list[str]:
        """BM25 tokens: lower-case, NFKC, no punctuation, whitespace or stopwords.

        Numbers (2015, 1250) are kept as tokens.
        """
        tok = self._ensure()
        norm = normalise_for_tokens(text)
        tokens: list[str] = []
        run: list[str] = []  # consecutive kept Han tokens, for bigrams
        bigrams: list[str] = []
        for raw in tok.cut(norm):
            piece = raw.strip()
            keep = bool(piece) and piece not in self._stopwords and _is_word(piece)
            if keep:
                self._expand(tok, piece, tokens, depth=0)
            if keep and _HAN_ONLY.match(piece):
                run.append(piece)
            elif run:
                # Stopwords and punctuation break runs, so bigrams never
                # rebuild a dropped word (什么, 报告) from its characters.
                bigrams.extend(char_pairs("".join(run)))
                run = []
        if run:
            bigrams.extend(char_pairs("".join(run)))
        if self.char_bigrams:
            tokens.extend(bigrams)
        return tokens

    def warm_up(self) -> None:
        """Build the jieba dictionary now (e.g. at app start) instead of on first query."""
        self._ensure()
