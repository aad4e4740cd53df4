"""Enumerations (一是…二是…, 第一，…第二，…) are answered whole."""

from __future__ import annotations

from rag.enumeration import document_units, enumeration_items, find_unit
from rag.question import Cue
from rag.types import Chunk
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


def _chunk(n: int, text: str, section: str = "二、产品体系") -> Chunk:
    return Chunk(f"c{n}", text, "r.txt", "报告", (section,), 3, 3, n)


CHUNKS = [
    _chunk(1, "产品体系基本成形。一是形成全周期保障体系。适配不同阶段。"),
    _chunk(2, "二是聚焦重大科技攻关领域。比如首台套保险。"),
    _chunk(3, "三是提供差异化产品。四是提升服务内涵。"),
    _chunk(4, "一是另一节的第一点。二是另一节的第二点。", section="三、新进展"),
    _chunk(5, "第一，首台套补偿。细节。第二，发展中试保险。"),
]


def test_an_item_finds_its_whole_enumeration_in_order() -> None:
    units = document_units(CHUNKS)
    at = find_unit(units, "c3", 0)  # 三是…
    assert at is not None
    items = enumeration_items(units, at, LEXICON)
    assert [u.text for u in items] == [
        "一是形成全周期保障体系。",
        "二是聚焦重大科技攻关领域。",
        "三是提供差异化产品。",
        "四是提升服务内涵。",
    ]


def test_enumerations_stay_within_their_section_and_style() -> None:
    units = document_units(CHUNKS)
    at = find_unit(units, "c4", 1)  # 二是 in section 三
    assert at is not None
    assert [u.chunk.id for u in enumeration_items(units, at, LEXICON)] == ["c4", "c4"]
    di = find_unit(units, "c5", 2)  # 第二，
    assert di is not None
    assert [u.text for u in enumeration_items(units, di, LEXICON)] == [
        "第一，首台套补偿。",
        "第二，发展中试保险。",
    ]
    plain = find_unit(units, "c1", 0)
    assert plain is not None and enumeration_items(units, plain, LEXICON) == []


def test_only_set_questions_want_every_item() -> None:
    assert question_of("产品体系有哪几个特点？概括一下").has(Cue.ALL_ITEMS)
    assert question_of("新进展可以归纳为哪几点？").has(Cue.ALL_ITEMS)
    assert not question_of("哪些领域可以减少财政补贴？").has(Cue.ALL_ITEMS)
    assert question_of("报告说有四个方面的新进展，分别是啥？").has(Cue.ALL_ITEMS)
    assert not question_of("四个园区分别在哪？").has(Cue.ALL_ITEMS)
