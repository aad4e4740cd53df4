"""Tables end to end: an invented PDF report with " | " tables ingested with the real model
into a real index, asked through the real chain (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import docgen
from tests.conftest import ingest_home_corpus, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Iterator[Any]:
    from rag.chain import build_answerer

    home = tmp_path_factory.mktemp("pipe-home")
    corpus = home / "corpus"
    corpus.mkdir()
    docgen.make_pipe_table_pdf(corpus / "transit.pdf")
    ingest_home_corpus(home, shared_models_dir)
    yield build_answerer(make_settings(home, shared_models_dir))


def test_a_cell_is_answered_quoted_as_its_row_on_its_page(answerer: Any) -> None:
    answer = answerer.answer("丁城的年客运量是多少亿人次？")
    assert (answer.strategy, answer.refused) == ("table_cell", False)
    assert "4.2" in answer.text and "年客运量" in answer.text
    cited = answer.citations[0]
    assert cited.verified and cited.quote == "丁城 | 198 | 4.2 | 66%" and cited.page_start == 1


def test_the_rows_after_the_page_break_answer_under_the_same_header(answerer: Any) -> None:
    answer = answerer.answer("戊城的新能源车辆占比是多少？")
    assert (answer.strategy, answer.refused) == ("table_cell", False)
    assert "71%" in answer.text and answer.citations[0].page_start == 2


def test_the_lowest_of_a_column_cites_every_row(answerer: Any) -> None:
    answer = answerer.answer("哪个城市的公交线路数量最少？")
    assert (answer.strategy, answer.refused) == ("table_extreme", False)
    assert "戊城" in answer.text and "156" in answer.text
    assert len(answer.citations) == 6 and all(c.verified for c in answer.citations)


def test_a_year_the_table_does_not_list_is_refused(answerer: Any) -> None:
    answer = answerer.answer("2021年甲城的地铁客流是多少？")
    assert answer.refused
    assert "2020年、2022年" in answer.text and "没有提到" not in answer.text
