"""How much of the scored evidence an answer keeps: near-tied units, cut sentences read on,
the fitted selection file and its fit, and the rules that decide which units may answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from evals.fit_answer import Cell, choose, leave_one_report_out
from rag.context import Corpus
from rag.errors import ConfigError
from rag.evidence import Evidence, ScoringSettings, Selection
from rag.extractive import Neighbours, cut_sentence_halves, draft_answer, near_tied
from rag.followup import MORE
from rag.question import Intent, Question
from rag.scoring import SELECTION_TOML, load_scoring, load_selection, write_selection
from rag.strategies import table_cell
from rag.topics import topic_terms
from rag.types import Chunk, FollowUp, Retrieved
from tests.questions import packaged_lexicon, question_of

LEXICON = packaged_lexicon()


def _chunk(text: str, n: int = 1, kind: str = "paragraph") -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("三、进展",),
        page_start=4,
        page_end=6,
        position=n,
        kind=kind,
    )


def _weight(term: str) -> float:
    return 1.0


def _unit(score: float) -> Evidence:
    return Evidence("某句。", Retrieved(_chunk("某句。"), 1.0, 1), score, 1.0, 0)


# --------------------------------------------------------------------- near-tied units


def test_near_tied_is_a_share_of_a_positive_best_score() -> None:
    best = _unit(2.0)
    assert near_tied(_unit(1.6), best, ScoringSettings(selection=Selection(keep_ratio=0.8)))
    assert not near_tied(_unit(1.5), best, ScoringSettings(selection=Selection(keep_ratio=0.8)))
    assert not near_tied(
        _unit(1.9), best, ScoringSettings(selection=Selection(keep_ratio=0.0))
    )  # off
    # Scores below zero have no share: nothing is near-tied with a negative best.
    assert not near_tied(
        _unit(-1.0), _unit(-0.5), ScoringSettings(selection=Selection(keep_ratio=0.5))
    )


# The best sentence names the items; the next one, which names no question word the best
# lacks, holds their figures. (Invented text.)
_LEADS_UP = _chunk(
    "排名靠前的产品主要包括甲型、乙型和丙型三类。"
    "其中，这三类的占比分别为10%、20%、30%。"
    "另外还有别的情况。"
)


def _shown(keep_ratio: float) -> list[str]:
    question = question_of("排名靠前的 产品 是 什么")
    draft = draft_answer(
        question,
        [Retrieved(_LEADS_UP, 1.0, 1)],
        _weight,
        ScoringSettings(selection=Selection(keep_ratio=keep_ratio)),
        LEXICON,
    )
    return [s.text for s in draft.sentences]


def test_a_near_tied_unit_is_kept_only_when_the_ratio_allows() -> None:
    assert _shown(0.0) == ["排名靠前的产品主要包括甲型、乙型和丙型三类。"]
    # Both runners-up score 0.2 of the best: within a ratio of 0.15, and the answer has
    # room for one (max_sentences 2), the first in score order.
    assert _shown(0.15) == [
        "排名靠前的产品主要包括甲型、乙型和丙型三类。",
        "其中，这三类的占比分别为10%、20%、30%。",
    ]
    assert _shown(0.3) == _shown(0.0)


def test_a_near_tied_sentence_does_not_count_against_a_table_reading() -> None:
    question = question_of("排名靠前的 产品 是 什么")
    draft = draft_answer(
        question,
        [Retrieved(_LEADS_UP, 1.0, 1)],
        _weight,
        ScoringSettings(selection=Selection(keep_ratio=0.15)),
        LEXICON,
    )
    assert draft.tied == (1,)  # the kept runner-up, by its place in the answer


# ------------------------------------------------------------------ cut sentences go on


_LINE_CUT = _chunk(
    "本文比较了多个行业，结果表明部分行业的比较优势下降较快，例如：“甲类制品”“乙类制品”\n"
    "（A01）、“丙类”（A02）等。"
)


def test_a_list_cut_at_a_line_break_goes_on() -> None:
    question = question_of("比较优势 下降较快 的 行业 有哪些")
    assert question.intent is Intent.LIST
    draft = draft_answer(
        question, [Retrieved(_LINE_CUT, 1.0, 1)], _weight, ScoringSettings(), LEXICON
    )
    shown = "".join(s.text for s in draft.sentences)
    assert "“甲类制品”" in shown and "（A01）、“丙类”（A02）等。" in shown


def test_a_sentence_cut_at_a_chunk_edge_is_read_on_from_the_next_chunk() -> None:
    first = _chunk(
        "迄今为止研究人员开发的三代工具依次是甲型工具、乙型工具，以及最近几年才兴起并迅速普及的", 1
    )
    second = _chunk("丙型工具，已在多个领域得到应用。后面是别的内容。", 2)
    question = question_of("三代 工具 有哪些")
    assert question.intent is Intent.LIST
    retrieved = [Retrieved(first, 1.0, 1)]
    alone = draft_answer(question, retrieved, _weight, ScoringSettings(), LEXICON)
    assert "丙型工具" not in "".join(s.text for s in alone.sentences)
    read_on = draft_answer(
        question,
        retrieved,
        _weight,
        ScoringSettings(),
        LEXICON,
        next_chunk=lambda chunk: second if chunk.id == "c1" else None,
    )
    assert "丙型工具，已在多个领域得到应用。" in "".join(s.text for s in read_on.sentences)
    # The rest is cited from the chunk it stands in, so that its quote verifies.
    assert {r.chunk.id for r in read_on.candidates.values()} == {"c1", "c2"}


def _read_on(question: Question, chunks: list[Chunk]) -> str:
    """The answer drafted from the first chunk, the report's next chunks read on."""
    following = {c.id: chunks[n + 1] for n, c in enumerate(chunks[:-1])}
    draft = draft_answer(
        question,
        [Retrieved(chunks[0], 1.0, 1)],
        _weight,
        ScoringSettings(),
        LEXICON,
        next_chunk=lambda chunk: following.get(chunk.id),
    )
    return "".join(s.text for s in draft.sentences)


def test_a_figure_asked_goes_on_when_its_sentence_was_cut_right_before_a_figure() -> None:
    first = _chunk(
        "根据规划文件的预测，到2030年全国的发电总量将明显增加，其中甲地的发电量将增加至", 1
    )
    question = question_of("2030年 甲地 发电量 多少")
    assert question.intent is Intent.FIGURE
    assert "12%" in _read_on(question, [first, _chunk("150万千瓦，占总量的12%。", 2)])
    # A rest that opens with no figure adds nothing the question asked.
    assert "别处" not in _read_on(question, [first, _chunk("别处的情况另行说明。", 2)])


def test_a_list_cut_at_two_chunk_edges_is_followed_across_both() -> None:
    chunks = [
        _chunk(
            "多家国际金融机构参与了这些项目：甲银行支持项目有在北部地区建设两座大型的光伏电站；", 1
        ),
        _chunk("乙银行支持项目有在南部地区建设一座容量较大的风电站和配套的输电线路设施；", 2),
        _chunk("丙银行支持项目有在东部地区建设两座风力发电站。后面是别的内容。", 3),
    ]
    question = question_of("哪些 国际 金融机构 参与 项目")
    assert question.intent is Intent.LIST
    shown = _read_on(question, chunks)
    assert "乙银行" in shown and "丙银行" in shown


def test_a_turn_asking_for_more_goes_on_into_the_rest_of_a_cut_sentence() -> None:
    chunks = [
        _chunk(
            "多家国际金融机构参与了这些项目：甲银行支持项目有在北部地区建设两座大型的光伏电站；", 1
        ),
        _chunk("乙方支持的是在南部地区建设一座容量较大的风电站和配套的输电线路设施。", 2),
    ]
    question = question_of("甲银行 支持 项目 是 什么")
    assert "乙方" not in _read_on(question, chunks)
    more = replace(question, followup=FollowUp(MORE, question.text, False))
    assert "乙方" in _read_on(more, chunks)


def _drafted_text(question: Question, chunks: list[Chunk]) -> str:
    """The answer drafted from the last chunk, the report's previous chunks read back."""
    before = {c.id: chunks[n - 1] for n, c in enumerate(chunks) if n > 0}
    draft = draft_answer(
        question,
        [Retrieved(chunks[-1], 1.0, 1)],
        _weight,
        ScoringSettings(),
        LEXICON,
        next_chunk=lambda chunk: None,
        previous_chunk=lambda chunk: before.get(chunk.id),
    )
    return "".join(s.text for s in draft.sentences)


_CURED = "某综合征，这是全球首例直接在人体内进行的临床治疗，疗效良好。"
_CUT_START = "2017年，甲地的某某大学附属医院联合国内外两家研究机构利用一项新的基因技术手段首次治疗"


def test_a_sentence_cut_at_a_line_break_is_read_from_its_start() -> None:
    question = question_of("全球 首例 临床 治疗 是 哪儿 做 的")
    shown = _drafted_text(question, [_chunk(f"前面的内容已经说完。\n{_CUT_START}\n{_CURED}", 1)])
    assert "某某大学附属医院" in shown and "全球首例" in shown


def test_a_figure_of_a_year_reads_on_to_the_clauses_that_state_that_year() -> None:
    trend = "规模以上的甲类企业和乙类企业的负债率明显分离，甲类企业的负债率从2008年的54.1%升到2014年的60.7%。"
    rest = "此后小幅回落到2016年的59.2%；同期其他的则下降到2016年的50.8%。"
    question = question_of("2016年 甲类 企业 和 乙类 企业 负债率 各 多少")
    shown = _drafted_text(question, [_chunk(f"{trend}{rest}\n另起一段。", 1)])
    assert "59.2%" in shown and "50.8%" in shown
    # Asked of a year the sentence states, the answer does not read on.
    asked_2013 = question_of("2013年 甲类 企业 负债率 多少")
    assert "59.2%" not in _drafted_text(asked_2013, [_chunk(f"{trend}{rest}\n另起一段。", 1)])


def _drafted_across(question: Question, first: Chunk, second: Chunk, *, back: bool = False) -> str:
    """The answer's text when only `first` is retrieved and `second` is the chunk after it
    (with `back`, only `second` is retrieved and `first` is the chunk before it)."""
    retrieved, other = (second, first) if back else (first, second)
    neighbour = {
        "previous_chunk" if back else "next_chunk": lambda c: (
            other if c.id == retrieved.id else None
        )
    }
    draft = draft_answer(
        question, [Retrieved(retrieved, 1.0, 1)], _weight, ScoringSettings(), LEXICON, **neighbour
    )
    return "" if draft.refused else "".join(s.text for s in draft.sentences)


def test_a_why_question_reads_on_to_the_rest_of_the_explanation() -> None:
    reason = "这是因为当地政府对资源的掌控能力很强，意外事件比较容易以较低成本化解。"
    rest = "事件带来冲击的途径是传染，而在阻断传染上，当地有着别处无法企及的制度优势。"
    question = question_of("为什么 当地 的 意外 事件 不容易 变成 危机")
    assert "制度优势" in _drafted_text(question, [_chunk(f"{reason}{rest}\n另起一段。", 1)])
    # The same paragraph across a chunk edge is read on too; another paragraph is not.
    assert "制度优势" in _drafted_across(question, _chunk(reason, 1), _chunk(rest, 2))
    assert "制度优势" not in _drafted_text(question, [_chunk(f"{reason}\n{rest}", 1)])
    # A question that asks no reason is answered without it.
    what = question_of("当地 政府 对 资源 的 掌控 能力 如何")
    assert "制度优势" not in _drafted_text(what, [_chunk(f"{reason}{rest}", 1)])


def test_the_answer_reads_on_to_the_next_sentence_naming_the_asked_word() -> None:
    scene = "东湖港和西岭港之间有从压价到停航的风险。两港不但压价，而且相互以停靠优惠争抢航线。"
    named = "从双方的做法来看，两港一定程度上在玩“囚徒博弈”，价格战有可能升级。"
    question = question_of("作者 拿 哪种 博弈 比喻 东湖港 和 西岭港 争抢 航线")
    assert "囚徒博弈" in _drafted_across(question, _chunk(scene, 1), _chunk(named, 2))
    # Another paragraph is not read on to, nor a sentence naming no asked word.
    assert "囚徒博弈" not in _drafted_text(question, [_chunk(f"{scene}\n{named}", 1)])
    unnamed = "从双方的做法来看，两港价格战有可能升级。"
    assert "升级" not in _drafted_text(question, [_chunk(f"{scene}{unnamed}", 1)])


def test_who_did_it_is_read_from_the_start_of_a_sentence_a_line_break_cut() -> None:
    # The cut fell at a chunk edge: only the chunk after it was retrieved.
    head = _chunk(
        "2019年，东湖大学附属医院联合某技术平台和某研究所，利用病毒载体与一种核酸酶技术治疗", 1
    )
    rest = _chunk("某罕见综合征，这在国内是头一回在患者体内直接开展的编辑治疗。", 2)
    question = question_of("国内 头一回 在 患者体内 直接 开展 的 编辑治疗 是 哪家 机构 搞的")
    assert "东湖大学附属医院" in _drafted_across(question, head, rest, back=True)


def test_a_short_start_after_a_sentence_on_its_line_is_no_heading() -> None:
    # The unit before the cut is short, but it ends a long line: it starts the sentence.
    text = (
        "大量研究致力于发现可以精确控制这类工具的方法和手段。某某大学发现人体中普遍存在抗体，利用\n"
        "这项技术进行治疗可能引发自身免疫反应；另有研究显示其可能增加其他风险。"
    )
    question = question_of("这项 技术 治疗 为什么 可能 引发 自身 免疫 反应")
    assert "存在抗体" in _drafted_text(question, [_chunk(text, 1)])


def test_a_sentence_cut_at_a_chunk_start_is_read_from_the_previous_chunk() -> None:
    question = question_of("全球 首例 临床 治疗 是 哪儿 做 的")
    shown = _drafted_text(
        question, [_chunk(f"前面的内容已经说完。{_CUT_START}", 1), _chunk(_CURED, 2)]
    )
    assert "某某大学附属医院" in shown and "全球首例" in shown
    # A line of Latin text before it (a cover's name) is no sentence cut short.
    cover = _chunk("National Institution for Finance and Development Studies", 1)
    assert "National" not in _drafted_text(question, [cover, _chunk(_CURED, 2)])
    # Nor is a chart's caption with its source note, though it ends without a mark.
    for caption in (
        "图162017年各地试点项目与治疗效果的对比情况 数据来源：某某数据库、某某协会统计数据",
        "资料来源：根据某某数据库的统计数据计算整理，与各地卫生部门公布的数据",
    ):
        assert "来源" not in _drafted_text(question, [_chunk(caption, 1), _chunk(_CURED, 2)])


def test_a_short_line_without_an_end_mark_is_not_a_cut_sentence() -> None:
    heading = _chunk("1.2 主要产品\n甲型产品占比最高。", 1)
    question = question_of("主要产品 有哪些")
    draft = draft_answer(
        question, [Retrieved(heading, 1.0, 1)], _weight, ScoringSettings(), LEXICON
    )
    assert len(draft.sentences) <= 2  # a heading is not read on into the paragraph as one


def test_the_corpus_knows_each_chunks_successor() -> None:
    first, second = _chunk("一。", 1), _chunk("二。", 2)
    corpus = Corpus(chunks=(second, first))
    assert corpus.next_chunk(first) == second
    assert corpus.next_chunk(second) is None
    assert corpus.previous_chunk(second) == first
    assert corpus.previous_chunk(first) is None


def test_the_halves_of_sentences_cut_at_a_chunk_edge() -> None:
    before = _chunk("前一句说完了。2019年8月22日部", 1)
    middle = _chunk("长签发了第1234号令，目标占比为25%；其中风电增加到", 2)
    after = _chunk("1500MW，约占一成。后面是别的。", 3)
    chunks = {c.position: c for c in (before, middle, after)}
    neighbours = Neighbours(
        previous=lambda c: chunks.get(c.position - 1), next=lambda c: chunks.get(c.position + 1)
    )
    assert cut_sentence_halves(middle, neighbours) == [
        "2019年8月22日部",
        "1500MW，约占一成。",
    ]
    # A chunk that opens and closes whole sentences has no halves elsewhere.
    whole = _chunk("一句话。", 5)
    assert cut_sentence_halves(whole, neighbours) == []
    assert cut_sentence_halves(middle, None) == []


def test_a_year_asked_is_found_in_the_half_of_the_sentence_before_the_chunk() -> None:
    before = _chunk("前一句说完了。2019年部", 1)
    middle = _chunk("长签发了第1234号令，2030年风电占比目标为25%。", 2)
    chunks = {c.position: c for c in (before, middle)}
    question = question_of("2019年 签发 的 1234号令 对 2030年 风电 占比 目标 是 多少")
    retrieved = [Retrieved(middle, 1.0, 1)]
    args = (question, retrieved, _weight, ScoringSettings(), LEXICON)
    alone = draft_answer(*args, corpus_has=lambda term: True)
    assert alone.refused  # 2019 is not in the passage retrieved
    read = draft_answer(
        *args,
        corpus_has=lambda term: True,
        next_chunk=lambda c: chunks.get(c.position + 1),
        previous_chunk=lambda c: chunks.get(c.position - 1),
    )
    assert not read.refused
    assert "25%" in "".join(s.text for s in read.sentences)


# --------------------------------------------------------------- the selection file


def test_no_selection_file_keeps_no_near_tied_unit(tmp_path: Path) -> None:
    assert load_selection(tmp_path / "none.toml") == {}
    assert load_scoring(selection_path=tmp_path / "none.toml").selection.keep_ratio == 0.0


def test_a_written_selection_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "selection.toml"
    write_selection(path, {"keep_ratio": 0.7}, {"fitted_on": ["a", "b"]})
    assert load_selection(path) == {"keep_ratio": 0.7}
    assert load_scoring(selection_path=path).selection.keep_ratio == pytest.approx(0.7)
    assert '# fitted_on: ["a", "b"]' in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    ["[selection]\nother = 0.5\n", "[selection]\nkeep_ratio = 1.5\n", "[selection\n"],
)
def test_a_broken_selection_file_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "selection.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="答案选取参数文件"):
        load_selection(path)


def test_the_shipped_selection_keeps_near_tied_units() -> None:
    assert 0.0 < load_selection(SELECTION_TOML)["keep_ratio"] < 1.0


# ------------------------------------------------------------------------- the fit


def _cell(key_fact: float, refusal: float = 0.5) -> Cell:
    return Cell(key_fact, 0.0, refusal, 100.0)


def test_the_fit_picks_the_best_mean_and_breaks_ties_towards_fewer_sentences() -> None:
    table = {
        "a": {0.0: _cell(0.5), 0.9: _cell(0.6), 0.7: _cell(0.7), 0.5: _cell(0.7)},
        "b": {0.0: _cell(0.5), 0.9: _cell(0.6), 0.7: _cell(0.7), 0.5: _cell(0.7)},
    }
    assert choose(table, ["a", "b"]) == 0.7  # 0.5 ties with it: the larger ratio wins


def test_the_fit_never_buys_key_facts_with_refusals() -> None:
    table = {
        "a": {0.0: _cell(0.5, refusal=0.6), 0.7: _cell(0.9, refusal=0.4)},
        "b": {0.0: _cell(0.5, refusal=0.6), 0.7: _cell(0.9, refusal=0.4)},
    }
    assert choose(table, ["a", "b"]) == 0.0


def test_leave_one_report_out_scores_each_report_with_the_others_choice() -> None:
    table = {
        "a": {0.0: _cell(0.5), 0.7: _cell(0.9)},
        "b": {0.0: _cell(0.5), 0.7: _cell(0.8)},
        "c": {0.0: _cell(0.9), 0.7: _cell(0.4)},
    }
    results = {report: (ratio, on.key_fact) for report, ratio, _, on in leave_one_report_out(table)}
    assert results["c"] == (0.7, 0.4)  # a and b choose 0.7, which hurts c: it shows
    assert results["a"][0] == 0.0  # b gains 0.3, c loses 0.5: off


# ---------------------------------------------------------- which units may answer


def test_a_clause_that_asks_nothing_gives_no_topic_term() -> None:
    question = question_of("领导 让 我 列 一下 ， 作者 针对 化解 风险 提了 哪几招")
    terms = [t for t, _ in topic_terms(question, _weight, None, LEXICON)]
    assert "领导" not in terms and "风险" in terms


def test_a_why_question_is_not_read_off_a_table_cell() -> None:
    assert not table_cell.accepts(question_of("为什么 甲类 的 指数 上升了"), None)  # type: ignore[arg-type]
    assert table_cell.accepts(question_of("甲类 的 指数 是 多少"), None)  # type: ignore[arg-type]


def _far_apart(first: str, second: str, rank: int = 2) -> list[Retrieved]:
    """Two passages of one report, far apart (not one case); the second retrieved at `rank`."""
    return [Retrieved(_chunk(first, 1), 1.0, 1), Retrieved(_chunk(second, 5), 0.9, rank)]


def test_a_name_the_best_unit_lacks_comes_from_a_near_tied_unit_elsewhere() -> None:
    question = question_of("国内 首家 专门 做 基因编辑 的 公司 是 哪家")
    passages = _far_apart(
        "国内首家专门从事基因编辑的公司集中在技术服务领域，产业尚未形成。",
        "甲乙生物是国内首家基因编辑公司，已开发多种疗法。",
    )
    off = draft_answer(
        question, passages, _weight, ScoringSettings(selection=Selection(keep_ratio=0.0)), LEXICON
    )
    assert off.refused
    on = draft_answer(
        question, passages, _weight, ScoringSettings(selection=Selection(keep_ratio=0.5)), LEXICON
    )
    assert not on.refused and "甲乙生物" in "".join(s.text for s in on.sentences)


def test_a_figure_the_best_unit_lacks_never_comes_from_another_case() -> None:
    question = question_of("甲乙生物 一共 服务了 多少家 企业")
    passages = _far_apart(
        "甲乙生物一共服务了许多企业，覆盖了研发和中试等多个阶段。",
        "丙丁公司一共服务了 35 家企业。",
        rank=6,
    )
    assert draft_answer(question, passages, _weight, ScoringSettings(), LEXICON).refused
    on = draft_answer(
        question, passages, _weight, ScoringSettings(selection=Selection(keep_ratio=0.1)), LEXICON
    )
    assert on.refused


def test_a_clause_before_the_ask_names_the_topic_when_the_ask_names_none() -> None:
    question = question_of("针对 完善管护 ， 作者 有 哪几条 建议")
    assert "完善管护" in [t for t, _ in topic_terms(question, _weight, None, LEXICON)]
