"""A year the question gives to when something was issued, against the report's date."""

from __future__ import annotations

from rag.figures import redated
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()


def test_a_document_issued_in_another_year_is_redated() -> None:
    passage = "2019年8月，某国总统颁布7731号令，提出到2030年可再生能源占比达到25%。"
    assert redated("2018年颁布的那个7731号令，目标是多少？", [passage], LEXICON) == {"2018": "2019"}


def test_the_thing_may_be_named_a_few_words_after_the_verb() -> None:
    passage = "2020年5月，某国发布了一份“能源转型说明”文件，预计太阳能份额将达到17%。"
    question = "2018年某国发布的“能源转型说明”里，太阳能份额定了多少？"
    assert redated(question, [passage], LEXICON) == {"2018": "2020"}


def test_the_same_year_confirms_the_premise() -> None:
    passage = "2019年8月，某国总统颁布7731号令，提出到2030年可再生能源占比达到25%。"
    assert redated("2019年颁布的7731号令，目标是多少？", [passage], LEXICON) == {}


def test_another_document_issued_in_another_year_says_nothing() -> None:
    passage = "2019年8月，某国总统颁布7731号令，提出到2030年可再生能源占比达到25%。"
    assert redated("2018年颁布的节能法，目标是多少？", [passage], LEXICON) == {}


def test_a_year_that_dates_no_issuing_is_left_alone() -> None:
    passage = "2019年8月，某国总统颁布7731号令。"
    assert redated("2018年可再生能源占比是多少？", [passage], LEXICON) == {}
