"""Near-miss questions answered from the wrong place: a reason, a name or a figure that
the quoted passages hold, but not where the asked fact is stated. The report used here
is invented."""

from __future__ import annotations

from rag.extractive import SentenceDraft, given_to_another, gives_no_reason, ranks_nothing
from rag.figures import has_figure
from rag.question import Intent
from rag.strategies.base import closest_sentences
from rag.types import AnswerSentence
from tests.questions import packaged_lexicon, question_of, tagger

LEXICON = packaged_lexicon()
ANY_COUNT = LEXICON.numbers.figures.any_count


def test_a_caption_label_and_a_section_path_state_no_figure() -> None:
    # 「图1」 labels the chart, 「2015-2019年」 dates it, and the 「2」 a PDF glued to its
    # end marks a note: none of them counts anything.
    chart = "图12015-2019年东湖港泊位分布2\n东湖港的业务主要包括集装箱、散货和客运（图2)。"
    assert not has_figure(chart, ANY_COUNT, LEXICON)
    row = "3港口发展 › 3.2 泊位建设\n表1东湖港泊位情况1\n港口：东湖港；状态：在建"
    assert not has_figure(row, ANY_COUNT, LEXICON)


def test_a_caption_still_gives_the_unit_of_its_rows() -> None:
    assert has_figure("表1 东湖港泊位情况\n港口：东湖港；泊位：12", ANY_COUNT, LEXICON)
    assert has_figure("表2 港口投资 (单位：亿元)\n项目：东湖港；2019年：35", "亿元", LEXICON)
    # A figure a sentence states after a caption is still stated.
    assert has_figure("图1 东湖港泊位\n东湖港共有泊位12个。", ANY_COUNT, LEXICON)


def test_a_table_of_rates_answers_a_rate_without_its_percent_sign() -> None:
    row = "产品：铝制品；2000年：0.016；年均增长率：0.160"
    assert has_figure(f"表2 各行业市场占有率年均增长率\n{row}", "%", LEXICON)
    # A table of indices gives no rate, and a count is no rate in any table.
    assert not has_figure(f"表3 各行业比较优势指数\n{row}", "%", LEXICON)
    assert not has_figure("表2 各行业年均增长率\n产品：铝制品；企业数：16", "%", LEXICON)


def test_a_reason_counts_only_where_the_fact_is_stated() -> None:
    question = question_of("东湖港 吞吐量 2019年 为啥 增长了 12%")
    assert question.intent is Intent.REASON
    fact = "2019年，东湖港的吞吐量增长了12%。"
    other = "由于疏浚推迟，西岭港的扩建到2021年才开工。"
    # Read whole, the answer holds 由于; but it gives the reason for another port's delay.
    assert not gives_no_reason(question, fact + other, LEXICON)
    assert gives_no_reason(question, fact + other, LEXICON, about=fact)
    # A reason in the sentences that state the fact answers it.
    because = "2019年，由于新航线开通，东湖港的吞吐量增长了12%。"
    assert not gives_no_reason(question, because + other, LEXICON, about=because)


def test_a_year_dates_a_why_question_without_making_it_one_about_a_figure() -> None:
    # 「1932年，为什么加设泊位」 asks the reason for an event the year dates: its answer
    # may give the reason without a marker, as for any event.
    dated = question_of("1932年 ， 东湖港 为什么 加设 泊位")
    assert dated.intent is Intent.REASON
    told = "1932年，船只数量增加，旧泊位已不敷应用，东湖港在北岸加设泊位。"
    assert not gives_no_reason(dated, told, LEXICON)
    # A figure measured is still checked (「…为啥增长了12%」).
    measured = question_of("东湖港 吞吐量 2019年 为啥 增长了 12%")
    assert gives_no_reason(measured, "2019年，东湖港的吞吐量增长了12%。", LEXICON)


def test_which_is_the_most_is_answered_by_a_ranking_or_by_figures() -> None:
    most = question_of("哪家 港口 的 吞吐量 最高")
    assert most.intent is Intent.NAME
    listed = "东湖港、西岭港和南浦港都开通了国际航线。"
    assert ranks_nothing(most, listed, LEXICON)
    assert not ranks_nothing(most, "三港中，东湖港的吞吐量最高。", LEXICON)
    assert not ranks_nothing(most, "西岭港的吞吐量仅次于东湖港。", LEXICON)
    # Figures to compare answer it; a chart's number (「图4」) is none.
    assert not ranks_nothing(most, "东湖港吞吐量为1.2亿吨，西岭港为0.8亿吨。", LEXICON)
    assert ranks_nothing(most, "三港共完成吞吐量3.1亿吨（图4）。", LEXICON)
    # Table rows give the figures as bare cells under a column naming their unit.
    rows = "东湖港 | 1.2 | 国际航线 西岭港 | 0.8 | 国际航线"
    assert not ranks_nothing(most, rows, LEXICON)
    assert ranks_nothing(most, "东湖港 | 国际航线 | 在建 西岭港 | 国际航线 | 在建", LEXICON)
    # 「最…的是啥」 asks what the most is, which a passage may name without ranking.
    assert not ranks_nothing(question_of("吞吐量 最高 的 港口 是 啥"), listed, LEXICON)
    # A question asking no extreme is left alone.
    assert not ranks_nothing(question_of("哪些 港口 开通了 国际航线"), listed, LEXICON)


def _draft(*texts: str) -> SentenceDraft:
    return SentenceDraft(
        sentences=tuple(AnswerSentence(text=t, citations=(1,)) for t in texts),
        candidates={},
        quotes={},
        refused=False,
    )


def test_the_sentences_closest_to_the_question_are_where_its_name_would_be() -> None:
    asked = question_of("星海日报 那篇 稳妥推进机器人应用 的 评论员文章 是谁 执笔的")
    article = "2017年7月，《星海日报》评论员文章《稳妥推进机器人应用》提到要防范替代风险。"
    other = "2017年8月，云杉重工董事长李志远在《星海日报》发表文章，支持推广协作机器人。"
    assert closest_sentences(asked, _draft(article, other)) == article
    # A sentence broken over two quoted units is read whole.
    head, tail = article[:12], article[12:]
    assert closest_sentences(asked, _draft(head, tail + other)) == f"{head} {tail}"
    # Sentences that share as much with the question are all kept.
    assert closest_sentences(asked, _draft(article, article)) == f"{article} {article}"


def test_a_date_is_one_thing_the_question_says_not_many_pairs_of_digits() -> None:
    # Counted as character pairs, 「2023年5月」 would make the sentence that dates the
    # survey look closer than the one that names the ports the question asks for.
    asked = question_of("按 2023年5月 的 测算 ， 哪些 港口 要求 年均 吞吐 增长 3.5% 以上")
    dated = "2023年5月份沿海20个港口的吞吐能力利用率在40%至75%之间。"
    listed = "具体而言，东港、西岭要求3.5%以上的年均增长。"
    assert closest_sentences(asked, _draft(dated, listed)) == listed


def test_a_foreign_word_in_lower_case_counts_like_a_paraphrase_and_a_name_in_full() -> None:
    tag = tagger({"game": "eng", "theory": "eng", "Intellia": "eng", "博弈": "n"})
    asked = question_of("作者 拿 哪个 game theory 里 的 博弈 来 打比方", tag=tag)
    factors = {t.text: t.factor for t in asked.terms}
    assert factors["game"] == factors["theory"] < factors["博弈"] == 1.0
    named = question_of("Intellia 跟 哪家 公司 合作", tag=tag)
    assert {t.text: t.factor for t in named.terms}["Intellia"] == 1.0


def test_a_rewritten_followup_with_its_own_question_word_asks_its_own_kind() -> None:
    from rag.question import _with_own_ask
    from tests.questions import language

    # 「那一年哪块业务份额最大？」 after 「…规模多大？」: the rewrite carries 规模, which
    # alone would ask a figure; the turn's own 哪块 asks which.
    resolved = question_of("全球 机器人 市场 规模 2019年 哪块 业务 份额 最大")
    assert resolved.intent is Intent.FIGURE
    own = _with_own_ask(resolved, "那一年 哪块 业务 份额 最大", language())
    assert own.intent is Intent.OTHER
    # A follow-up without a question word of its own (「那北京呢？」) keeps the carried kind.
    kept = _with_own_ask(resolved, "那 北京 呢", language())
    assert kept.intent is Intent.FIGURE


def test_a_figure_the_report_gives_to_what_is_asked_is_its_answer() -> None:
    tag = tagger({"美国": "ns", "中国": "ns"})
    asked = question_of("平台 登记 的 20例 试验 里 美国 占了 14例 ， 那 中国 有 几例", tag=tag)
    said = "在平台登记的20例试验中，有14例来自中国机构。"
    assert given_to_another(asked, said, "14", LEXICON) == ("中国", "美国")
    # The same thing in both, or no one clause to read it from: nothing swapped.
    assert given_to_another(asked, "美国机构有14例。", "14", LEXICON) is None
    assert given_to_another(asked, "中国14例，美国也是14例。", "14", LEXICON) is None
