"""Question normalisation."""

from __future__ import annotations

from rag.textnorm import (
    EMPTY_MESSAGE,
    NO_TEXT_MESSAGE,
    normalise_passage,
    normalise_question,
)
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()


def test_full_width_digits_and_letters_become_half_width() -> None:
    q = normalise_question("２０２５年ＡＢＣ科技保险保费？", LEXICON)
    assert q.text == "2025年ABC科技保险保费?"
    assert not q.problem


def test_traditional_becomes_simplified() -> None:
    q = normalise_question("首台套保險補償機制是哪一年開始試點的？", LEXICON)
    assert q.text == "首台套保险补偿机制是哪一年开始试点的?"
    assert q.was_traditional
    assert q.original == "首台套保險補償機制是哪一年開始試點的？"


def test_simplified_is_not_flagged_traditional() -> None:
    assert not normalise_question("科技保险是什么", LEXICON).was_traditional


def test_nul_control_and_zero_width_characters_removed() -> None:
    q = normalise_question("科技\x00保险\x07是\u200b什么\ufeff", LEXICON)
    assert q.text == "科技保险是什么"


def test_whitespace_collapsed() -> None:
    q = normalise_question("  科技保险\n\n\t 是什么  ", LEXICON)
    assert q.text == "科技保险 是什么"


def test_long_question_truncated_at_sentence_boundary() -> None:
    sentence = "科技保险的发展现状如何。"  # 12 characters
    q = normalise_question(sentence * 1000, LEXICON, max_chars=500)
    assert q.was_truncated
    assert len(q.text) <= 500
    assert q.text.endswith("。")


def test_long_question_without_boundaries_hard_cut() -> None:
    q = normalise_question("保" * 10_000, LEXICON, max_chars=500)
    assert q.was_truncated
    assert len(q.text) == 500


def test_short_question_not_truncated() -> None:
    assert not normalise_question("科技保险是什么？", LEXICON).was_truncated


def test_empty_gives_problem() -> None:
    for text in ("", "   ", "\x00\n"):
        q = normalise_question(text, LEXICON)
        assert q.problem == EMPTY_MESSAGE
        assert q.text == ""


def test_emoji_or_punctuation_only_gives_problem() -> None:
    for text in ("😀😀🎉", "？？？！！", "……——", "👍🏽"):
        q = normalise_question(text, LEXICON)
        assert q.problem == NO_TEXT_MESSAGE, text
        assert q.text == ""


def test_normalise_passage_is_nfkc_only() -> None:
    assert normalise_passage("首台（套）２０１５年 保險") == "首台(套)2015年 保險"
