"""Outline questions are answered from the report's table of contents."""

from __future__ import annotations

import pytest

from rag.publication import publication_statements
from rag.question import Cue
from rag.structure import outline_answer, toc_entries
from rag.types import Chunk, ReportMeta
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()

TOC = Chunk(
    id="toc",
    text="目录\n一、政策支持不断加强\t1\n二、产品体系基本成形\t3\n三、总结和展望\t7",
    source="a.txt",
    title="报告",
    section_path=("目录",),
    page_start=None,
    page_end=None,
    position=3,
    kind="front_matter",
)


@pytest.mark.parametrize(
    "question",
    ["这份报告正文分成哪几大块？", "报告的目录是什么", "这报告有几个部分", "全文的框架是怎样的"],
)
def test_outline_questions_are_recognised(question: str) -> None:
    assert question_of(question).has(Cue.OUTLINE)


@pytest.mark.parametrize(
    "question",
    ["第三部分讲了什么？", "科创企业的风险结构是什么样的？", "产品体系有哪些险种？"],
)
def test_other_questions_are_not_outline_questions(question: str) -> None:
    assert not question_of(question).has(Cue.OUTLINE)


def test_toc_entries_keep_headings_and_printed_pages() -> None:
    assert toc_entries(TOC, LEXICON) == [
        ("一、政策支持不断加强", "1"),
        ("二、产品体系基本成形", "3"),
        ("三、总结和展望", "7"),
    ]


def test_outline_answer_lists_the_parts_of_the_asked_report() -> None:
    found = outline_answer(question_of("报告分成哪几部分？"), [TOC], "a.txt", LEXICON)
    assert found is not None
    text, cited = found
    assert cited is TOC
    assert text.startswith("报告正文分为三部分：一、政策支持不断加强（第 1 页）")
    assert outline_answer(question_of("报告分成哪几部分？"), [TOC], "other.txt", LEXICON) is None
    assert outline_answer(question_of("政策支持有哪些？"), [TOC], "a.txt", LEXICON) is None


META = ReportMeta(
    title="报告", source="a.txt", series="NIFD季报·保险业运行", publisher="国家金融与发展实验室",
    authors=("阎建军", "邱剑"), date="2026年3月",
)  # fmt: skip


def _front(n: int, text: str, section: tuple[str, ...] = ()) -> Chunk:
    return Chunk(f"f{n}", text, "a.txt", "报告", section, None, None, n, "front_matter", meta=META)


FRONT = [
    _front(0, "NIFD\n国家金融与发展实验室"),
    _front(1, "NIFD季报\n主编:李扬\n保险业运行\n2026年3月"),
    _front(2, "本报告负责人：阎建军\n本报告执笔人：\n● 邱剑", ("作者",)),
    _front(3, "科技保险是科技金融的重要组成部分。", ("摘要",)),
]


@pytest.mark.parametrize(
    ("question", "quoted"),
    [
        ("这个报告是哪家机构做的？", "国家金融与发展实验室"),
        ("这份报告的作者是谁？", "本报告负责人：阎建军"),
        ("报告是什么时候发布的？", "2026年3月"),
        ("这篇放在NIFD季报哪个栏目？", "保险业运行"),
    ],
)
def test_publication_questions_quote_the_front_matter(question: str, quoted: str) -> None:
    found = publication_statements(question_of(question), FRONT, "a.txt", LEXICON)
    assert len(found) == 1 and quoted in found[0].text, found


def test_questions_about_the_content_are_not_publication_questions() -> None:
    assert not publication_statements(
        question_of("报告里首台套是什么时候试点的？"), FRONT, "a.txt", LEXICON
    )
    assert not publication_statements(
        question_of("五篇大文章的指导意见是谁发的？"), FRONT, "a.txt", LEXICON
    )
