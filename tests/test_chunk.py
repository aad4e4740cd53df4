"""Chunking: Chinese sentence splitting, packing, tables, ids, on the real report."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunk import chunk_report
from ingest.parse import joined_text, parse_text
from ingest.readers import read_text
from rag.sentence_split import split_sentences
from rag.settings import ChunkSettings
from rag.types import Block, Chunk, ParsedReport, ReportMeta, content_id

REPORT = Path(__file__).resolve().parents[1] / "corpus" / "nifd_2025_tech_insurance_report.txt"
SOURCE = REPORT.name
S1 = "一、对科技保险的政策支持不断加强"
S3 = "三、政策性科技保险取得新进展"


@pytest.fixture(scope="module")
def raw() -> str:
    return read_text(REPORT)


@pytest.fixture(scope="module")
def report(raw: str) -> ParsedReport:
    return parse_text(raw, SOURCE)


@pytest.fixture(scope="module")
def chunks(report: ParsedReport) -> list[Chunk]:
    return chunk_report(report, ChunkSettings(max_chars=300))


def with_text(chunks: list[Chunk], needle: str) -> Chunk:
    found = [c for c in chunks if needle in c.text]
    assert len(found) == 1, (needle, [c.text[:30] for c in found])
    return found[0]


# ------------------------------------------------------------ split_sentences


def test_split_basic() -> None:
    text = "科技保险是重要组成部分。它需要政策支持！是否可行？可以；但要谨慎。"
    assert split_sentences(text) == [
        "科技保险是重要组成部分。",
        "它需要政策支持！",
        "是否可行？",
        "可以；",
        "但要谨慎。",
    ]


def test_split_keeps_closers_and_quotes() -> None:
    text = "他提出“大力发展科技金融。”随后落实。（注：见表1。）下一句。"
    assert split_sentences(text) == [
        "他提出“大力发展科技金融。”",
        "随后落实。",
        "（注：见表1。）",
        "下一句。",
    ]
    # a quote holding two sentences is not split in the middle
    quoted = "口号是“科技保险。保险科技。”大家认同。"
    assert split_sentences(quoted) == ["口号是“科技保险。保险科技。”", "大家认同。"]
    # 「」 too
    assert split_sentences("他说「好。行。」然后走了。") == ["他说「好。行。」", "然后走了。"]


def test_split_ascii_marks_only_before_cjk() -> None:
    text = "增长 2.5%，利率 10bp!下降;而 a; b 不分。Done! 再见"
    assert split_sentences(text) == [
        "增长 2.5%，利率 10bp!",
        "下降;",
        "而 a; b 不分。",
        "Done! 再见",
    ]


def test_split_unbalanced_quote_does_not_swallow_text() -> None:
    text = "他说“未闭合。" + "后文句子。" * 80
    pieces = split_sentences(text)
    assert len(pieces) > 50


def test_split_is_lossless() -> None:
    text = "第一句。 第二句！\n第三行没有句号\n“引号。”（括号）结尾"
    assert "".join(split_sentences(text)) == text
    assert split_sentences("") == []


# -------------------------------------------------------------------- packing


def tiny_report(*blocks: Block) -> ParsedReport:
    meta = ReportMeta(title="小报告", source="tiny.txt")
    return ParsedReport(meta=meta, toc=(), blocks=tuple(blocks))


def test_never_cuts_inside_a_sentence() -> None:
    sentences = ["这是第一句话，讲科技保险。", "第二句讲政策支持和财政补贴。", "第三句是结论。"]
    block = Block("".join(sentences), ("一、测试",), 1, 1)
    result = chunk_report(tiny_report(block), ChunkSettings(max_chars=30))
    assert [c.text for c in result] == [
        "这是第一句话，讲科技保险。第二句讲政策支持和财政补贴。",
        "第三句是结论。",
    ]


def test_overlong_sentence_cut_at_clauses_then_hard() -> None:
    long_sentence = "甲" * 25 + "，" + "乙" * 25 + "、" + "丙" * 70 + "。"
    block = Block(long_sentence + "短句。", ("一、测试",), 1, 1)
    result = chunk_report(tiny_report(block), ChunkSettings(max_chars=40))
    texts = [c.text for c in result]
    assert all(len(t) <= 40 for t in texts)
    assert "".join(texts) == long_sentence + "短句。"
    assert texts[0] == "甲" * 25 + "，"  # clause boundary first
    assert texts[1] == "乙" * 25 + "、"


def test_overlap_sentences() -> None:
    sentences = [f"第{i}句内容在此。" for i in range(1, 9)]  # 8 chars each
    block = Block("".join(sentences), ("一、测试",), 1, 1)
    result = chunk_report(tiny_report(block), ChunkSettings(max_chars=24, overlap_sentences=1))
    texts = [c.text for c in result]
    assert texts[0] == "".join(sentences[0:3])
    assert texts[1].startswith(sentences[2])  # one sentence repeated
    assert texts[-1].endswith(sentences[-1])
    assert all(len(t) <= 24 for t in texts)
    no_overlap = chunk_report(tiny_report(block), ChunkSettings(max_chars=24))
    assert len(texts) > len(no_overlap)


def test_same_section_paragraphs_are_packed_and_sections_are_not_mixed() -> None:
    blocks = (
        Block("短段一。", ("一、A",), 1, 1, position=0),
        Block("短段二。", ("一、A",), 2, 2, position=1),
        Block("别节。", ("二、B",), 3, 3, position=2),
    )
    result = chunk_report(tiny_report(*blocks), ChunkSettings(max_chars=100))
    assert [(c.text, c.page_start, c.page_end) for c in result] == [
        ("短段一。\n短段二。", 1, 2),
        ("别节。", 3, 3),
    ]


def test_duplicate_text_gets_distinct_ids() -> None:
    blocks = (
        Block("同样的话。", ("一、A",), 1, 1),
        Block("表头\t值", ("一、A",), 1, 1, kind="table_row"),
        Block("同样的话。", ("一、A",), 1, 1),
    )
    result = chunk_report(tiny_report(*blocks), ChunkSettings(max_chars=100))
    assert len({c.id for c in result}) == 3
    assert result[0].id == content_id("tiny.txt", "一、A", "同样的话。")


# ----------------------------------------------------------------- real report


def test_every_chunk_is_verbatim(report: ParsedReport, raw: str) -> None:
    text = joined_text(raw)
    for max_chars in (120, 200, 300, 500, 1000):
        for chunk in chunk_report(report, ChunkSettings(max_chars=max_chars)):
            assert chunk.text in text, chunk.text[:40]
            assert chunk.text == chunk.text.strip() and chunk.text


def test_sizes_respected(report: ParsedReport) -> None:
    for max_chars in (100, 200, 300, 500):
        for chunk in chunk_report(report, ChunkSettings(max_chars=max_chars)):
            if len(chunk.text) > max_chars:
                assert chunk.kind == "table_row", (max_chars, chunk.text[:40])


def test_ids_unique_and_stable(report: ParsedReport, raw: str) -> None:
    first = chunk_report(report, ChunkSettings(max_chars=300))
    again = chunk_report(parse_text(raw, SOURCE), ChunkSettings(max_chars=300))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    for chunk in first[:5]:
        assert chunk.id == content_id(SOURCE, " › ".join(chunk.section_path), chunk.text)
    assert [c.position for c in first] == list(range(len(first)))


def test_meta_copied(chunks: list[Chunk], report: ParsedReport) -> None:
    for chunk in chunks:
        assert chunk.meta == report.meta
        assert chunk.title == "2025 科技保险发展分析报告"
        assert chunk.source == SOURCE


def test_table1_rows_one_chunk_each(chunks: list[Chunk]) -> None:
    rows = [c for c in chunks if c.kind == "table_row" and "表 1" in c.embed_text]
    assert len(rows) == 12
    for row in rows:
        assert row.section_path == (S1,)
        assert (row.page_start, row.page_end, row.page_label) == (1, 2, "第1–2页")
        assert "表 1 近年来对科技保险的重大支持政策" in row.embed_text
        assert "发文单位：" in row.embed_text and "主要内容：" in row.embed_text
        assert "\t" in row.text and "发文单位" not in row.text
    long_row = with_text(chunks, "科技部、央行、金融监管总局、证监会")
    assert long_row.kind == "table_row" and long_row.text.count("\t") == 3


def test_grid_rows(chunks: list[Chunk]) -> None:
    row = with_text(chunks, "知识产权执行保险")
    assert row.kind == "table_row"
    assert row.text == "研发中断保险\t中试综合保险\t重点新材料首批次应用综合保险\t知识产权执行保险"
    assert "科技成果保护阶段" in row.embed_text and "二、生命周期" in row.embed_text
    assert row.page_label == "第3页"


def test_known_chunks(chunks: list[Chunk]) -> None:
    c2015 = with_text(chunks, "早在 2015 年")
    assert c2015.section_path[0] == S3 and (c2015.page_start, c2015.page_end) == (4, 6)
    suzhou = with_text(chunks, "苏州高新区")
    assert suzhou.section_path == (S3, "第三，积极发展普惠型科技保险，助力服务中小企业科技创新。")
    assert suzhou.embed_text.startswith(S3 + " › 第三，")
    joined = with_text(chunks, "在推动高水平科技自立自强中发挥重要作用")
    assert "，在推动高水平" in joined.text
    assert with_text(chunks, "调动了市场").section_path == ("四、总结和展望",)
    front = with_text(chunks, "本报告执笔人")
    assert front.page_start is None and front.page_label == "封面及摘要"
    thanks = with_text(chunks, "宋平凡教授")
    assert thanks.section_path == ("致谢",) and thanks.page_start == 7


def test_embed_text_settings(report: ParsedReport) -> None:
    plain = chunk_report(report, ChunkSettings(max_chars=300, embed_section_title=False))
    paragraph = with_text(plain, "苏州高新区")
    assert paragraph.embed_text == ""  # "" means: embed `text`
    row = with_text(plain, "知识产权执行保险")
    assert "二、生命周期" in row.embed_text  # table rows always carry their header


def test_chunk_counts(report: ParsedReport) -> None:
    counts = {m: len(chunk_report(report, ChunkSettings(max_chars=m))) for m in (200, 300, 500)}
    assert counts[200] > counts[300] > counts[500]
    # 28 table rows are always one chunk each
    assert counts[500] >= 28


def test_huge_single_line_is_linear() -> None:
    import time

    text = "报告标题\n\n" + "科技保险发展，支持创新" * 100_000 + "。" + "短句。" * 50_000
    started = time.perf_counter()
    report = parse_text(text, "huge.txt")
    result = chunk_report(report, ChunkSettings(max_chars=300))
    assert time.perf_counter() - started < 20
    assert all(len(c.text) <= 300 for c in result)
    body = joined_text(text)
    assert all(c.text in body for c in result[:50])
    assert len({c.id for c in result}) == len(result)


def test_many_page_break_fragments_are_linear() -> None:
    import time

    fragment = "这一行没有句号但有逗号，并且足够长以便被视为被分页截断的正文片段"
    text = "\n\n".join([fragment] * 20_000) + "。"
    started = time.perf_counter()
    joined = joined_text(text)
    assert time.perf_counter() - started < 10
    assert joined == fragment * 20_000 + "。"
