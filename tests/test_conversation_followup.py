"""Follow-ups are decided before anything is rewritten, the same on every surface.

Unit tests drive `rag.followup.decide_followup` with a whitespace tokenizer and a
few tags; the protocol test runs the real chain in LLM mode against the local fake
OpenAI-compatible server, which records every request it gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rag.chain import Answerer
from rag.context import Context, Scorers
from rag.followup import decide_followup, list_items, subject_of
from rag.llm import CONDENSE_PROMPT, make_chat_model
from rag.question import Language, Question, question_terms
from rag.settings import LLMSettings
from rag.types import Chunk, Retrieved, Turn
from tests.fake_openai import FakeOpenAI, Reply
from tests.questions import language, packaged_lexicon

pytestmark = pytest.mark.timeout(60)

_PLACES = {"苏州", "北京", "深圳"}
_VERBS = {"覆盖", "推出", "试点", "开始", "牵头", "启动", "设立", "包括"}


def _tagged(q: str) -> Any:
    def cut(text: str) -> list[str]:
        return text.replace("？", " ").replace("呢", " ").split()

    def tag(text: str) -> list[tuple[str, str]]:
        def one(t: str) -> str:
            return "ns" if t in _PLACES else "x" if t == "科惠保" else "v" if t in _VERBS else "n"

        return [(t, one(t)) for t in cut(text)]

    return question_terms(q, language(cut, tag))


def _decide(question: str, history: list[Turn]) -> Any:
    return decide_followup(question, history, _tagged, packaged_lexicon())


SUZHOU = [
    Turn("user", "苏州 高新区 科惠保 一共 覆盖 了 几家 企业？"),
    Turn("assistant", "35 家[1]。苏州高新区经发委依托科惠保为 35 家科技企业提供保障[1]。"),
]


def test_a_standalone_question_after_an_unrelated_turn_is_not_rewritten() -> None:
    for question in ("首台套 保险 是 哪年 开始 试点 的？", "报告 的 作者 是 谁？"):
        decided = _decide(question, SUZHOU)
        assert decided.standalone and not decided.rewritten, decided
        assert decided.resolved == question and decided.context == ()


def test_a_pronoun_takes_the_last_subject() -> None:
    decided = _decide("它 是 哪年 推出 的？", SUZHOU)
    assert decided.kind == "pronoun" and decided.rewritten
    assert decided.resolved.startswith("苏州 高新区 科惠保") and "它" not in decided.resolved


def test_a_bare_predicate_takes_the_last_subject_and_keeps_its_copula() -> None:
    history = [
        Turn("user", "首台套 保险 是 哪年 开始 试点 的？"),
        Turn("assistant", "2015 年[1]。"),
    ]
    decided = _decide("那是谁牵头的？", history)
    assert decided.kind == "bare_predicate" and decided.resolved == "首台套 保险是谁牵头的？"


def test_then_points_at_the_year_of_the_last_answer() -> None:
    history = [
        Turn("user", "首台套 保险 是 哪年 开始 试点 的？"),
        Turn("assistant", "2015 年[1]。早在 2015 年，财政部启动了试点工作[1]。"),
    ]
    decided = _decide("当时 是 哪几个 部门 启动 的？", history)
    assert decided.kind == "temporal" and decided.rewritten
    assert "2015年" in decided.resolved and "当时" not in decided.resolved


def test_an_ordinal_points_into_the_last_answers_list() -> None:
    history = [
        Turn("user", "科技 保险 分为 哪 两大类？"),
        Turn("assistant", "已经形成科技活动风险保险和科技活动主体保险两大类[1]。"),
    ]
    first = _decide("第一类 具体 包括 什么？", history)
    assert first.kind == "ordinal" and first.resolved.startswith("科技活动风险保险")
    latter = _decide("后者呢？", history)
    assert latter.kind == "ordinal" and latter.resolved == "科技活动主体保险具体是什么？"


def test_an_unresolvable_followup_is_kept_as_asked_with_the_history_as_context() -> None:
    history = [
        Turn("user", "首台套 保险 是 哪年 开始 试点 的？"),
        Turn("assistant", "报告中没有。"),
    ]
    decided = _decide("当时 是 哪几个 部门 启动 的？", history)  # no year anywhere
    assert decided.kind == "temporal" and not decided.rewritten
    assert decided.resolved == "当时 是 哪几个 部门 启动 的？"
    assert "首台套" in decided.context


def test_more_asks_the_last_question_again_and_skips_what_was_said() -> None:
    decided = _decide("还有呢？", SUZHOU)
    assert decided.kind == "more" and decided.resolved == SUZHOU[0].content
    assert any("35 家科技企业" in s for s in decided.already_given)


def test_list_items_read_numbered_sentences_and_joined_phrases() -> None:
    lexicon = packaged_lexicon()
    numbered = "表现为以下三方面，一是发展首台套保险。三是发展普惠保险[2]。"
    assert list_items(numbered, ("二是发展中试保险，分担风险。",), lexicon) == [
        "发展首台套保险",
        "发展中试保险，分担风险",  # an item runs to its sentence's end
        "发展普惠保险",
    ]
    joined = "主要包括研发保险、中试保险和知识产权保险三类。"
    assert list_items(joined, (), lexicon) == ["研发保险", "中试保险", "知识产权保险"]


def test_an_ordinal_finds_its_list_in_an_earlier_answer() -> None:
    history = [
        Turn("user", "报告 提出 哪几条 建议？"),
        Turn("assistant", "一是加强平台建设[1]。二是探索合作模式[1]。三是加强人才培训[1]。"),
        Turn("user", "第一条 具体 要 建 啥？"),
        Turn("assistant", "一是加强平台建设[1]。"),
    ]
    decided = _decide("第三条呢？", history)
    assert decided.kind == "ordinal" and decided.resolved == "加强人才培训具体是什么？"


def test_subject_of_stops_at_the_predicate() -> None:
    question = "苏州 高新区 科惠保 一共 覆盖 了 几家 企业？"
    assert subject_of(question, _tagged(question), packaged_lexicon()) == "苏州 高新区 科惠保"


# ------------------------------------------------------------ LLM condense protocol


def _chunk() -> Chunk:
    text = "苏州高新区经发委依托科惠保为 35 家科技企业提供保障。"
    return Chunk(
        id="c1",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("一、",),
        page_start=1,
        page_end=1,
        position=0,
    )


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _llm_answerer(server: FakeOpenAI) -> Answerer:
    settings = LLMSettings(base_url=server.base_url, model="fake-model", api_key="k")

    def retrieve(question: Question, report: str | None) -> list[Retrieved]:
        return [Retrieved(_chunk(), 1.0, 1)]

    context = Context(Language(packaged_lexicon(), cut=_tagged_cut), Scorers(weight=lambda t: 1.0))
    return Answerer(context, retrieve, make_chat_model(settings), model_name="fake-model")


def _tagged_cut(text: str) -> list[str]:
    return text.replace("？", " ").replace("呢", " ").split()


def _condense_requests(server: FakeOpenAI) -> list[Any]:
    return [r for r in server.chat_requests if r.system_text == CONDENSE_PROMPT]


def test_llm_mode_never_sends_a_standalone_question_for_rewriting(server: FakeOpenAI) -> None:
    server.rule = lambda body: Reply(content="35 家科技企业[1]。")
    answerer = _llm_answerer(server)
    answer = answerer.answer("首台套 保险 是 哪年 开始 试点 的？", SUZHOU)
    assert _condense_requests(server) == []
    assert answer.followup.standalone and not answer.followup.rewritten
    assert answer.resolved_question == answer.question
    assert len(server.chat_requests) == 1  # the answer only


def test_llm_mode_sends_a_followup_for_rewriting_and_shows_the_rewrite(
    server: FakeOpenAI,
) -> None:
    server.script("苏州高新区科惠保是哪年推出的？")
    server.rule = lambda body: Reply(content="35 家科技企业[1]。")
    answerer = _llm_answerer(server)
    answer = answerer.answer("它 是 哪年 推出 的？", SUZHOU)
    condensed = _condense_requests(server)
    assert len(condensed) == 1 and "它 是 哪年 推出 的" in condensed[0].last_user_text
    assert answer.followup.kind == "pronoun" and answer.followup.rewritten
    assert answer.resolved_question == "苏州高新区科惠保是哪年推出的？"
    assert answer.to_json()["followup"]["kind"] == "pronoun"


def test_na_ne_takes_the_place_of_the_term_shaped_like_it() -> None:
    history = [Turn("user", "报告 第二部分 的 标题 是 什么？"), Turn("assistant", "……[1]。")]
    assert _decide("那第三部分呢？", history).resolved == "报告 第三部分 的 标题 是 什么？"
    months = [Turn("user", "1月 平均 气温 多少 度？"), Turn("assistant", "-5°C[1]。")]
    assert _decide("7月呢？", months).resolved == "7月 平均 气温 多少 度？"


def test_a_na_ne_turn_with_a_clause_of_its_own_is_kept_as_asked() -> None:
    # Glued to the earlier question, 「…呢，有类似成果吗」 would not be a question.
    decided = _decide("那 北京 呢，有 类似 成果 吗？", SUZHOU)
    assert decided.kind == "na_ne" and not decided.rewritten
    assert decided.resolved == "那 北京 呢，有 类似 成果 吗？"
    assert "科惠保" in decided.context
    plain = _decide("那 北京 呢？", SUZHOU)
    assert plain.rewritten and "北京" in plain.resolved and "苏州" not in plain.resolved


def test_a_connective_then_a_named_question_stands_alone() -> None:
    # 「还有，…」「那科惠保…」: a new question with a subject of its own, asked about.
    for question in ("还有， 北京 一共 覆盖 了 几家 企业？", "那 科惠保 是 哪年 推出 的？"):
        decided = _decide(question, SUZHOU)
        assert decided.standalone and not decided.rewritten, (question, decided)
    # 「那北京…」 swaps the place and keeps the last question's object; 「呢」, a pronoun or
    # 「别的」 lean on the conversation too.
    for question in ("那 北京 是 哪年 推出 的？", "那 科惠保 呢？", "还有 别的 企业 吗？"):
        assert not _decide(question, SUZHOU).standalone, question


def test_a_question_of_its_own_after_a_connective_or_a_pointer_stands_alone() -> None:
    # Set off by a comma, a dated clause or one with words enough is a question of its own.
    for question in (
        "还有， 2015年 北京 覆盖 了 几家 企业？",
        "其他 所有制 工业 企业 的 利息 保障 倍数 是 多少？",
        "那 债务率 的 国际 警戒线 是 多少？",
    ):
        decided = _decide(question, SUZHOU)
        assert decided.standalone and not decided.rewritten, (question, decided)
    # Short ones still lean on the conversation: a figure of the same case, or more of it.
    for question in ("那 保障 金额 是 多少 万元？", "还有 多少 企业 参与 了？"):
        assert not _decide(question, SUZHOU).standalone, question


def test_then_keeps_the_last_topic_but_not_the_measure_it_asked() -> None:
    history = [
        Turn("user", "全球机器人市场 2019年 的 规模 是 多少？"),
        Turn("assistant", "45 亿美元[1]。2019 年全球机器人市场规模为 45 亿美元[1]。"),
    ]
    decided = _decide("那一年 哪块 业务 份额 最大？", history)
    assert decided.kind == "temporal" and decided.rewritten
    # The market is the topic; its size was the last question, not this one.
    assert decided.resolved.startswith("全球机器人市场") and "2019年" in decided.resolved
    assert "规模" not in decided.resolved and "份额" in decided.resolved
