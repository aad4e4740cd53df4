"""The extractive answerer's pure parts: question typing, figures, evidence choice, refusal."""

from __future__ import annotations

from dataclasses import replace

from rag.evidence import ScoringSettings, idf_weight, score_evidence, term_in
from rag.extractive import SentenceDraft, draft_answer, lacks_figure, unsupported
from rag.figures import find_numbers, has_figure
from rag.question import Cue, FollowUp, Intent, classify, unit_hint
from rag.sentences import evidence_units
from rag.types import Chunk, Retrieved
from tests.questions import packaged_lexicon, question_of, tagger, whitespace_cut

LEXICON = packaged_lexicon()


def _chunk(text: str, n: int = 1, kind: str = "paragraph") -> Chunk:
    return Chunk(
        id=f"c{n}",
        text=text,
        source="r.txt",
        title="报告",
        section_path=("三、政策性科技保险取得新进展",),
        page_start=4,
        page_end=6,
        position=n,
        kind=kind,
    )


def _weight(term: str) -> float:
    return 1.0


def test_question_types() -> None:
    assert classify("试点是哪一年启动的？", LEXICON) == Intent.DATE
    assert classify("一共服务了多少家企业？", LEXICON) == Intent.FIGURE
    assert classify("有哪些险种？", LEXICON) == Intent.LIST
    assert classify("为什么要发展中试保险？", LEXICON) == Intent.REASON
    # Colloquial whys: why a figure moved or differs, what drove it.
    assert classify("储蓄存款的比重咋降下来了？", LEXICON) == Intent.REASON
    assert classify("房价咋涨这么快？", LEXICON) == Intent.REASON
    assert classify("中国的RCA咋比韩国高？", LEXICON) == Intent.REASON
    assert classify("出口涨了31.5%，是啥因素带动的？", LEXICON) == Intent.REASON
    assert classify("这是怎么回事？", LEXICON) == Intent.REASON
    # 「怎么」 asking how to do or how it is done is no why.
    assert classify("怎么降低融资成本？", LEXICON) != Intent.REASON
    assert classify("怎么比较两国的竞争力？", LEXICON) != Intent.REASON
    assert classify("这个指数怎么算？", LEXICON) != Intent.REASON
    assert classify("这款产品全名叫什么？", LEXICON) == Intent.TITLE
    assert classify("谁发的文件？", LEXICON) == Intent.NAME


def test_numbers_are_normalised_with_units() -> None:
    assert find_numbers(
        "早在 2015 年，为 35 家企业提供 1050 万元保障，补贴 100% 保费", LEXICON
    ) == [
        "2015年",
        "35家",
        "1050万元",
        "100%",
    ]


def test_figure_slot_needs_the_asked_kind_of_figure() -> None:
    assert has_figure("为 35 家科技企业提供保障", "家", LEXICON)
    assert not has_figure("为科技企业提供保障", "家", LEXICON)
    assert not has_figure("2025 年保费规模继续扩大", "元", LEXICON)  # a year is not an amount
    assert has_figure("保费规模已达亿元级水平", "元", LEXICON)
    assert has_figure("贷款平均利率不超过 2.5%", "%", LEXICON)


def test_abbreviations_match_their_full_forms() -> None:
    assert term_in("金监总局", "金融监管总局等部门") > 0
    assert term_in("国办", "国务院办公厅印发") > 0
    assert term_in("渗透率", "网络安全保险获得了较快发展") == 0


def test_confirmation_questions_are_recognised() -> None:
    assert question_of("是上海出台的吧？").has(Cue.CONFIRMATION)
    assert not question_of("是哪里出台的？").has(Cue.CONFIRMATION)


def test_short_lines_form_one_evidence_unit() -> None:
    chunk = _chunk("本报告执笔人：\n\n● 张三\n\n某某研究中心主任\n\n● 李四\n\n某大学博士后")
    units = evidence_units(chunk)
    assert len(units) == 1 and "李四" in units[0] and units[0] in chunk.text


def test_date_question_leads_with_the_date_and_cites_the_sentence() -> None:
    chunk = _chunk("第一，补偿机制发挥作用。早在 2015 年，三部门启动了补偿机制试点工作。")
    analysis = question_of("补偿机制 试点 哪一年 启动")
    draft = draft_answer(analysis, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.refused
    assert draft.lead == "2015 年"
    assert "早在 2015 年" in draft.sentences[0].text and draft.sentences[0].citations == (1,)


def test_a_figure_question_does_not_lead_with_the_askers_own_figure() -> None:
    chunk = _chunk("目前，东湖港共有48个泊位，总长度超过12公里。其中，10个泊位为散货泊位。")
    own = question_of("东湖港 那 48个 泊位 里 ， 集装箱 泊位 占了 几个")
    draft = draft_answer(own, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.lead.startswith("48"), draft.lead
    # Asked as a confirmation, the stated figure is the answer.
    sure = question_of("东湖港 是 共有 48个 泊位 吧")
    draft = draft_answer(sure, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.refused


def test_figure_question_without_a_figure_in_the_evidence_is_refused() -> None:
    chunk = _chunk("芯源微公司的设备入选首台（套）保险补偿项目，加速了产品验证。")
    analysis = question_of("芯源微 设备 保险 交了 多少 保费")
    assert unsupported(analysis, chunk.text, None, LEXICON)
    draft = draft_answer(analysis, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert draft.refused


def test_unknown_place_is_refused_unless_the_question_asks_for_confirmation() -> None:
    text = "海淀区政府颁布全国首个科技保险专项扶持政策。"
    tag = lambda q: [(w, "ns" if w in ("日本", "浦东") else "n") for w in whitespace_cut(q)]  # noqa: E731
    asked = question_of("日本 有没有 科技保险 扶持政策", tag=tag)
    assert unsupported(asked, text, lambda term: term in text, LEXICON)
    premise = question_of("首个 科技保险 扶持政策 是 浦东 出的吧？", tag=tag)
    assert not unsupported(premise, text, lambda term: term in text, LEXICON)


def test_already_given_sentences_are_skipped_for_more() -> None:
    chunk = _chunk("一是发展首台套保险。二是发展中试保险。三是发展普惠保险。")
    given = FollowUp(already_given=frozenset({"一是发展首台套保险。", "二是发展中试保险。"}))
    analysis = replace(question_of("进展 有哪些 保险"), followup=given)
    draft = draft_answer(analysis, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert [s.text for s in draft.sentences] == ["三是发展普惠保险。"]


def _grid_row(n: int, text: str) -> Chunk:
    header = "产品体系\n二、生命周期 研发阶段 | 转化阶段 | 应用阶段\n" + " | ".join(
        text.split("\t")
    )
    return Chunk(f"g{n}", text, "r.txt", "报告", ("二、产品体系",), 3, 3, n, "table_row", header)


def test_a_named_grid_column_is_answered_with_its_cells() -> None:
    from rag.grid import table_column_answer

    rows = [
        _grid_row(1, "研发费用损失保险\t中试综合保险\t产品责任险"),
        _grid_row(2, "研发中断保险\t概念验证综合保险\t首版次软件综合保险"),
    ]
    analysis = question_of("产品体系 转化阶段 有哪些 保险")
    column = table_column_answer(analysis, rows, _weight)
    assert column is not None
    lead, used, coverage = column
    assert (
        lead == "转化阶段：中试综合保险、概念验证综合保险。" and len(used) == 2 and coverage > 0.5
    )
    # A question that names the column but asks about something else is not a grid question.
    other = question_of("转化阶段 企业 担心 哪些 技术 风险 失败")
    assert table_column_answer(other, rows, _weight) is None


def test_a_copula_glued_to_a_word_fragment_is_not_a_term() -> None:
    # jieba cuts an unknown 共保体是 into 共保 / 体是: 体是 is no word of the question.
    def cut(text: str) -> list[str]:
        return ["共保", "体是", "什么时候", "开始", "遴选", "的"]

    assert question_of("共保体是什么时候开始遴选的？", cut).term_texts == ("共保", "遴选")


def test_item_counts_match_in_any_counting_word() -> None:
    # 「有几条」 is answered by 「表现为以下四方面」.
    assert has_figure("政策性科技保险取得新进展，表现为以下四方面", "条", LEXICON)
    assert has_figure("形成两大类", "项", LEXICON)
    assert not has_figure("政策性科技保险取得新进展", "条", LEXICON)


def test_words_the_report_never_uses_weigh_less_than_its_rarest() -> None:
    weight = idf_weight({"共保体": 1, "保险": 50}, 100)
    assert weight("共保体") > weight("保险")
    assert weight("高校") < weight("共保体")  # a paraphrase, not the rarest fact
    assert idf_weight({}, 100, unseen_factor=1.0)("高校") > weight("共保体")


def test_a_table_row_is_quoted_whole_not_cut_to_a_clause() -> None:
    content = "，".join(
        f"第{i}项措施探索以共保体方式开展重点领域科技保险风险保障" for i in range(6)
    )
    row = _chunk(
        f"科技部、央行\t2025 年 5 月\t加快构建科技金融体制的若干政策举措\t{content}。",
        kind="table_row",
    )
    assert len(row.text) > ScoringSettings().max_span_chars
    analysis = question_of("哪份 政策 提出 共保体")
    draft = draft_answer(analysis, [Retrieved(row, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert "加快构建科技金融体制的若干政策举措" in draft.sentences[0].text


def test_a_sentence_pointing_back_brings_its_antecedent() -> None:
    chunk = _chunk(
        "知识产权保险、网络安全保险获得了较快发展。"
        "经过市场培育期，在上述领域，财政补贴可适时适度弱化。"
    )
    analysis = question_of("财政补贴 弱化 领域")
    draft = draft_answer(analysis, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    shown = "".join(s.text for s in draft.sentences)
    assert shown.index("知识产权保险") < shown.index("上述领域")


def test_a_timeline_question_gets_every_dated_step() -> None:
    chunk = _chunk(
        "深圳市于 2023 年设立种子基金。"
        "深圳市于 2024 年 11 月推出风险补偿方案。"
        "方案已于 2025 年 10 月启动共保体遴选。"
    )
    analysis = question_of("深圳 种子基金 从 设立 到 遴选 时间线")
    draft = draft_answer(analysis, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    shown = "".join(s.text for s in draft.sentences)
    for step in ("2023 年", "2024 年 11 月", "2025 年 10 月"):
        assert step in shown, shown


def test_a_looked_up_date_is_not_corrected_by_an_unrelated_one() -> None:
    chunk = _chunk("截至 2025 年 11 月底，该产品已服务科技企业 26 家。")
    consistent = question_of("到 11月底 服务了 多少 企业")
    draft = draft_answer(
        consistent, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON
    )
    assert not draft.premise_note  # 11月底 is the report's 2025 年 11 月底
    wrong = question_of("截至 2025年11月底 服务了 62家 企业 吧？")
    draft = draft_answer(wrong, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert draft.premise_note == "报告中的说法是26 家，而不是62 家。"


def test_a_code_in_the_question_is_no_figure_to_correct() -> None:
    chunk = _chunk("2015 年，机械类产品的贸易竞争指数在上述国家中排名第一。")
    coded = question_of("2015年 HS84 的 贸易 竞争 指数 排 第一 吧？")
    draft = draft_answer(coded, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert "84" not in draft.premise_note


def test_a_bare_figure_is_corrected_only_by_a_bare_figure() -> None:
    ranked = _chunk("2000一2015年，纺织品（HS61）的显示性比较优势指数排名靠前。")
    claimed = question_of("2015年 纺织品 的 RCA 是 7.25 ，算 很强 吗？")
    draft = draft_answer(claimed, [Retrieved(ranked, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    # Neither the span's year nor the class code corrects an index value.
    assert not draft.premise_note
    valued = _chunk("2015年，纺织品的显示性比较优势指数为 4.81，竞争力很强。")
    draft = draft_answer(claimed, [Retrieved(valued, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert draft.premise_note == "报告中的说法是4.81，而不是7.25。"


def test_two_figures_given_to_the_wrong_things_are_corrected() -> None:
    chunk = _chunk(
        "2017年一季度末，我国企业和居民债务有75%来自商业银行，远高于发达国家49%的平均水平。"
    )
    swapped = question_of(
        "发达国家 企业 和 居民 债务 75% 靠 银行 ，比 中国 的 49% 高 一大截 是 为啥 ？"
    )
    draft = draft_answer(swapped, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert draft.premise_note == "报告中的说法是发达国家49%，而不是发达国家75%。"
    # The same figures given to the same things as the report: nothing to correct.
    right = question_of("我国 企业 和 居民 债务 75% 靠 银行 ，比 发达国家 的 49% 高 是 为啥 ？")
    draft = draft_answer(right, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.premise_note
    # One clause of the report states both: it does not say whose each is.
    both = _chunk("我国和发达国家的这一比重分别为75%和49%。")
    draft = draft_answer(swapped, [Retrieved(both, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.premise_note


def test_a_date_and_a_share_are_never_swapped_for_each_other() -> None:
    # The date scopes the question, the share is what the listed ports must reach: a
    # date cannot stand where the report puts a percentage, so there is nothing to correct.
    chunk = _chunk(
        "2023年5月份沿海20个港口的吞吐能力利用率在40%至75%之间。"
        "具体而言，东港、西岭要求3.5%以上的年均增长。"
    )
    asked = question_of("按 2023年5月 的 测算 ， 哪些 港口 要求 年均 吞吐 增长 3.5% 以上")
    draft = draft_answer(
        asked,
        [Retrieved(chunk, 1.0, 1)],
        _weight,
        ScoringSettings(),
        LEXICON,
        corpus_has=lambda term: term in chunk.text,
    )
    assert not draft.refused and not draft.premise_note


def test_a_passage_stating_one_of_two_asked_dates_does_not_deny_the_other() -> None:
    chunk = _chunk("2017年一季度末，企业信贷占GDP比重为 165.3%，位居世界前列。")
    span = question_of("从 2008年底 到 2017年 一季度末 信贷 占 GDP 比重 涨了 多少")
    draft = draft_answer(span, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert not draft.premise_note  # the passage says nothing of 2008
    wrong = question_of("2016年 一季度末 信贷 占 GDP 比重 是 多少")
    draft = draft_answer(wrong, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert draft.premise_note.startswith("报告中的说法是2017")


def test_a_count_that_also_asks_who_is_a_list_question() -> None:
    assert classify("发文单位有几家、都有谁？", LEXICON) == Intent.LIST
    assert classify("发文单位有几家？", LEXICON) == Intent.FIGURE


def test_acknowledgements_answer_only_questions_about_them() -> None:
    thanks = Chunk(
        "t", "感谢人保财险知识产权鉴证评估中心提供的帮助。", "r.txt", "报告", ("致谢",), 8, 8, 9
    )
    body = _chunk("人保财险在杭州设立知识产权鉴证评估中心，开展风险评估。")
    retrieved = [Retrieved(thanks, 1.0, 1), Retrieved(body, 0.9, 2)]
    about_centre = question_of("人保财险 知识产权 鉴证 评估中心 设 在 哪")
    best = score_evidence(about_centre, retrieved, _weight, ScoringSettings(), LEXICON)[0]
    assert best.retrieved.chunk.id == body.id
    about_thanks = question_of("致谢 里 感谢 了 哪个 评估中心")
    best = score_evidence(about_thanks, retrieved, _weight, ScoringSettings(), LEXICON)[0]
    assert best.retrieved.chunk.id == thanks.id


def test_a_figure_in_the_next_sentence_of_the_same_case_answers() -> None:
    # The best match names the product; the level asked for is in the sentence after,
    # which here begins the next chunk.
    first = _chunk("人保财险在广东推出技术研发应用综合保险，引入技术就绪度概念作为标准。", 1)
    second = _chunk("满足技术就绪度达到 5 级及以上，企业可投保中试验证失败损失保险。", 2)
    analysis = question_of("人保财险 广东 技术就绪度 几级 中试验证 多少")
    retrieved = [Retrieved(first, 1.0, 1), Retrieved(second, 0.9, 2)]
    draft = draft_answer(analysis, retrieved, _weight, ScoringSettings(), LEXICON)
    assert not draft.refused
    assert any("5 级" in s.text for s in draft.sentences)


def test_a_nearby_figure_that_says_nothing_asked_does_not_stand_in() -> None:
    # The fund's size is in the next sentence but says nothing of what was asked (claims).
    scheme = _chunk("深圳推出种子基金风险补偿方案，引入基金+保险模式。", 1)
    fund = _chunk("深圳设立了总规模 20 亿元的种子基金。", 2)
    analysis = question_of("深圳 种子基金 风险补偿方案 基金+保险 赔付 多少")
    retrieved = [Retrieved(scheme, 1.0, 1), Retrieved(fund, 0.5, 3)]
    scored = score_evidence(analysis, retrieved, _weight, ScoringSettings(), LEXICON)
    assert scored[0].retrieved.chunk.id == "c1"  # the case itself is the best match
    draft = draft_answer(analysis, retrieved, _weight, ScoringSettings(), LEXICON)
    assert draft.refused


def test_a_sentence_cut_by_a_chunk_edge_is_continued_when_it_answers_more() -> None:
    first = _chunk("银保科技e贷已服务科技企业 26 家，风险保障额度 218 亿元；", 1)
    second = _chunk("银行方面实现融资余额近 1.4 亿元，户均额度超过 500 万元。", 2)
    asked = question_of("银保科技e贷 服务 企业 户均 多少")
    retrieved = [Retrieved(first, 1.0, 1), Retrieved(second, 0.5, 5)]
    shown = "".join(
        s.text
        for s in draft_answer(asked, retrieved, _weight, ScoringSettings(), LEXICON).sentences
    )
    assert "26 家" in shown and "500 万元" in shown
    # Nothing more asked: the first half stands alone.
    only = question_of("银保科技e贷 服务 企业 多少")
    shown = "".join(
        s.text for s in draft_answer(only, retrieved, _weight, ScoringSettings(), LEXICON).sentences
    )
    assert "500 万元" not in shown


def test_the_askers_own_figure_is_not_an_answer() -> None:
    chunk = _chunk("太保产险为浙江某公司提供 1250 万元中试风险责任保险保障。")
    asked = question_of("太保 1250万 中试 保费 多少钱")
    assert lacks_figure(asked, chunk.text, LEXICON)
    assert draft_answer(
        asked, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON
    ).refused
    # Asked to confirm it, the same figure is the answer.
    confirm = question_of("太保 中试 保障 1250万 对吧？")
    assert not lacks_figure(confirm, chunk.text, LEXICON)
    # Another figure of the asked kind still answers.
    other = _chunk("太保产险为 35 家企业提供 1250 万元保障。")
    count = question_of("太保 35家 企业 保障 多少钱")
    assert not lacks_figure(count, other.text, LEXICON)


def test_an_unknown_thing_refuses_a_figure_question_but_a_qualifier_does_not() -> None:
    tags = {"渗透率": "n", "普通": "nz", "利率": "n", "网络安全保险": "n"}

    tag = tagger(tags)

    evidence = "贷款平均利率不超过 2.5%，网络安全保险获得了较快发展。"
    known = {"利率", "网络安全保险"}
    unknown_thing = question_of("网络安全保险 渗透率 多少", tag=tag)
    assert unsupported(unknown_thing, evidence, lambda t: t in known, LEXICON)
    qualifier = question_of("利率 比 普通 低 多少", tag=tag)
    assert not unsupported(qualifier, evidence, lambda t: t in known, LEXICON)


def test_a_known_noun_with_a_classifier_or_place_word_glued_on_is_not_unknown() -> None:
    tags = {"份文件": "n", "贷里": "n", "渗透率": "n", "场馆": "n", "发": "v"}

    tag = tagger(tags)

    evidence = "2006年，主管部门印发《通知》；该产品累计提供风险保障额度 218 亿元。"
    known = {"文件", "贷", "额度"}.__contains__
    for question in ("哪年 发 的 份文件", "贷里 额度 多少"):
        assert not unsupported(question_of(question, tag=tag), evidence, known, LEXICON), question
    # The noun itself is unknown: still refused.
    for question in ("渗透率 多少", "场馆 额度 多少"):
        assert unsupported(question_of(question, tag=tag), evidence, known, LEXICON), question


def test_two_known_words_glued_into_one_are_not_unknown() -> None:
    tag = tagger({"机械设备": "n", "机械场馆": "n"})
    evidence = "2015年，机械类产品的国际市场占有率为 19.18%。"
    known = {"机械", "设备", "国际市场", "占有率"}.__contains__
    # 「机械设备」 is 机械 and 设备, both words of the report.
    glued = question_of("机械设备 国际市场 占有率 多少", tag=tag)
    assert not unsupported(glued, evidence, known, LEXICON)
    # One half the report never uses: still refused.
    half = question_of("机械场馆 国际市场 占有率 多少", tag=tag)
    assert unsupported(half, evidence, known, LEXICON)


def test_a_colloquial_noun_or_a_comparison_word_is_not_unknown() -> None:
    tag = tagger({"单子": "n", "领先": "n", "场子": "n", "签了": "v"})
    evidence = "2017年11月，双方签订了300亿美元的贸易大单；韩国居首（29.50%）。"
    known = {"大单", "单", "贸易", "韩国", "美元"}.__contains__
    # 「单子」 is the report's 单 with a noun suffix; 「领先多少」 says how the figure is asked.
    for question in ("签了 多少 亿美元 的 单子", "韩国 领先 多少"):
        assert not unsupported(question_of(question, tag=tag), evidence, known, LEXICON), question
    # A suffixed noun whose stem the report never uses is still unknown.
    assert unsupported(question_of("场子 签了 多少", tag=tag), evidence, known, LEXICON)


def test_a_sum_in_a_currency_code_answers_how_much_money() -> None:
    asked = question_of("2020年 电力 出口 卖了 多少钱")
    assert not lacks_figure(asked, "2020年，该国电力出口1.35×108 USD，增长31.5%。", LEXICON)
    assert lacks_figure(asked, "2020年，该国电力出口增长31.5%。", LEXICON)


def test_an_unknown_word_far_from_the_asking_word_is_the_askers_paraphrase() -> None:
    # The asked measure next to 「多少」 must be the report's; a word of the scene three
    # words off (老百姓 for the report's 居民) is the asker's own and refuses nothing.
    tag = tagger({"渗透率": "n", "老百姓": "n", "信贷": "n", "GDP": "eng", "涨了": "v"})
    evidence = "居民信贷占GDP比重上升了27.6个百分点。"
    known = {"信贷", "GDP", "比重", "百分点", "装机", "乌兹别克斯坦", "乌"}.__contains__
    scene = question_of("老百姓 的 信贷 占 GDP 比重 涨了 多少", tag=tag)
    assert not unsupported(scene, evidence, known, LEXICON)
    measured = question_of("信贷 的 渗透率 是 多少", tag=tag)
    assert unsupported(measured, evidence, known, LEXICON)
    # 「乌国」 shortens a country whose first character the report uses.
    short = question_of("乌国 装机 多少", tag=tagger({"乌国": "n", "装机": "n"}))
    assert not unsupported(short, "乌兹别克斯坦装机达到 2005MW。", known, LEXICON)


def test_these_few_years_is_a_time_not_a_count() -> None:
    assert classify("十四五这几年政策性科技保险发挥了啥作用？", LEXICON) != Intent.FIGURE
    assert question_of("近几年 保险 发挥了 啥 作用").unit_hint == ""
    assert classify("近几年服务了多少家企业？", LEXICON) == Intent.FIGURE
    assert classify("试点到发文隔了几年？", LEXICON) == Intent.FIGURE


def test_a_list_question_gets_the_sentence_that_lists_what_the_claim_states() -> None:
    chunk = _chunk(
        "展望未来，一是政策性科技保险仍有较大发展空间。二是商业性科技保险发展有望提速。"
        "在知识产权保险、网络安全保险、商业航天保险等领域，支持措施可适时弱化。"
        "三是保险机构加强合作。"
    )
    asked = question_of("哪些 领域 商业性科技保险 有望 提速")
    assert asked.intent is Intent.LIST
    draft = draft_answer(asked, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    text = "".join(s.text for s in draft.sentences)
    assert "有望提速" in text and "网络安全保险" in text
    assert "三是" not in text  # only the sentence that lists, not the whole paragraph
    # A figure question does not take it.
    number = question_of("商业性科技保险 有望 提速 多少")
    drafted = draft_answer(number, [Retrieved(chunk, 1.0, 1)], _weight, ScoringSettings(), LEXICON)
    assert "网络安全保险" not in "".join(s.text for s in drafted.sentences)


def test_a_figure_asked_of_another_place_than_the_passage_is_refused() -> None:
    tag = tagger({"北京": "ns", "上海": "ns"})

    beijing = _chunk("该产品已在北京服务科技企业 26 家，累计提供保障 218 亿元。", n=2)

    def known(term: str) -> bool:
        return True  # every word, 上海 included, is somewhere in the report

    def drafted(question: str, *chunks: Chunk) -> SentenceDraft:
        asked = question_of(question, tag=tag)
        items = [Retrieved(c, 1.0, i) for i, c in enumerate(chunks, start=1)]
        return draft_answer(asked, items, _weight, ScoringSettings(), LEXICON, corpus_has=known)

    assert drafted("上海 服务 企业 多少家", beijing).refused  # 上海 is named elsewhere
    assert not drafted("北京 服务 企业 多少家", beijing).refused
    # The case names its place in the chunk before: still its figure.
    before = _chunk("在上海，头部保险公司联合银行推出了专项融资产品。", n=1)
    assert not drafted("上海 服务 企业 多少家", beijing, before).refused
    # Asked to confirm, the premise check answers with what the report says instead.
    assert not drafted("上海 服务 企业 26家 对吧？", beijing).refused


def test_a_figure_asked_of_another_year_or_named_thing_is_refused() -> None:
    tag = tagger({"商业航天保险": "x", "科技保险": "x"})

    def rarity(term: str) -> float:
        return {"商业航天保险": 3.5, "科技保险": 0.7}.get(term, 1.0)

    head = _chunk("调研显示，头部保险公司 2025 年科技保险保费规模已达亿元级水平。", n=5)

    def drafted(question: str) -> SentenceDraft:
        asked = question_of(question, tag=tag)
        items = [Retrieved(head, 1.0, 1)]
        return draft_answer(
            asked, items, rarity, ScoringSettings(), LEXICON, corpus_has=lambda t: True
        )

    assert not drafted("头部保险公司 2025年 科技保险 保费规模 多大").refused
    assert drafted("头部保险公司 2030年 科技保险 保费规模 多大").refused  # another year
    # A rare name of the report's own (one case's subject) that this case never names.
    assert drafted("头部保险公司 商业航天保险 2025年 保费规模 多大").refused
    # A common report term missing from the passage is not a different case.
    assert not drafted("头部保险公司 2025年 保费规模 多大 科技保险").refused


def test_the_copyright_notice_counts_only_for_questions_about_it() -> None:
    notice = replace(
        _chunk("报告仅反映原文作者的观点，不代表版权所有人或所属机构的观点。", n=1),
        section_path=("版权公告",),
    )
    body = _chunk("报告认为政策性科技保险的观点值得重视，代表了发展方向。", n=2)
    items = [Retrieved(notice, 1.0, 1), Retrieved(body, 1.0, 2)]

    def best(question: str) -> str:
        asked = question_of(question)
        return score_evidence(asked, items, _weight, ScoringSettings(), LEXICON)[
            0
        ].retrieved.chunk.id

    # Asked whose position the report states, the notice answers; otherwise the body does.
    assert best("报告 代表 谁的 观点 立场") == "c1"
    assert best("报告 政策性科技保险 观点") == "c2"


def test_what_the_several_things_are_is_a_list_question() -> None:
    assert classify("报告说的那几个“一点”是啥？", LEXICON) == Intent.LIST
    assert classify("说说产品体系的几个特点", LEXICON) == Intent.LIST
    assert classify("一共有几个园区？", LEXICON) == Intent.FIGURE


def test_a_pointed_set_does_not_ask_how_many() -> None:
    # 「那几个邻居」 points at a set the asker has in mind; the question is whether any can.
    assert classify("周边那几个邻居，有能出海的吗？", LEXICON) != Intent.FIGURE
    assert unit_hint("这几家公司有没有上市的？", LEXICON) == ""
    assert classify("周边有几个邻居？", LEXICON) == Intent.FIGURE


def test_how_many_years_between_is_answered_by_the_years() -> None:
    asked = question_of("试点 到 发文 隔了 几年")
    assert asked.unit_hint == "年"
    assert not lacks_figure(asked, "2015 年启动试点。", LEXICON)
    assert lacks_figure(asked, "试点后陆续发文。", LEXICON)


def test_a_sum_of_another_kind_of_money_does_not_answer() -> None:
    evidence = "为 35 家科技企业提供 1050 万元的网络安全保险保障，并给予 100% 保费补贴。"
    spent = question_of("苏州 网络安全保险 保费 一共 花了 多少钱")
    assert lacks_figure(spent, evidence, LEXICON)  # 1050 万元 is cover, not premium
    subsidy = question_of("苏州 政府 补贴了 多少 保费")
    assert not lacks_figure(subsidy, evidence, LEXICON)  # 100% 保费补贴 answers it
    cover = question_of("苏州 网络安全保险 保障 多少钱")
    assert not lacks_figure(cover, evidence, LEXICON)


def test_a_cut_sentence_read_to_its_end_can_answer_a_figure_question() -> None:
    first = _chunk("银保科技e贷已服务北京科技企业 26 家，风险保障额度 218 亿元；", 1)
    second = _chunk("银行方面实现融资余额近 1.4 亿元。", 2)
    asked = question_of("银保科技e贷 北京 企业 融资余额 多少钱")
    retrieved = [Retrieved(first, 1.0, 1), Retrieved(second, 0.2, 8)]
    draft = draft_answer(asked, retrieved, _weight, ScoringSettings(), LEXICON)
    assert not draft.refused
    assert "1.4 亿元" in "".join(s.text for s in draft.sentences)


def test_full_funding_answers_how_much_is_subsidised_but_not_a_sum() -> None:
    evidence = "海淀区为初创企业提供财政资金全额支持的普惠型综合科技保险。"
    subsidy = question_of("海淀 保费 补贴 多少")
    assert not lacks_figure(subsidy, evidence, LEXICON)
    spent = question_of("海淀 财政 一共 掏了 多少钱")
    assert lacks_figure(spent, evidence, LEXICON)
    total = question_of("全国 科技保险 总保费 一共 多少")
    assert lacks_figure(total, evidence, LEXICON)


def test_colloquial_when_and_a_date_with_names() -> None:
    assert classify("方案是啥时候推的？", LEXICON) == Intent.DATE
    assert classify("那份意见是啥时候、哪几家发的？", LEXICON) == Intent.LIST


def _drafted_for(question: str, text: str, report: str = "") -> SentenceDraft:
    """The draft for a question against one passage of a report (by default, only it)."""
    known = report or text
    return draft_answer(
        question_of(question),
        [Retrieved(_chunk(text), 1.0, 1)],
        _weight,
        ScoringSettings(),
        LEXICON,
        corpus_has=lambda term: term in known,
    )


def test_a_wrong_year_for_an_issued_document_is_corrected_not_refused() -> None:
    text = "2021年6月，某省发布了《数字农业三年行动方案》，提出到2025年农田覆盖率达到60%。"
    wrong = _drafted_for("2020年 发布 的 《数字农业三年行动方案》 里 覆盖率 是 多少", text)
    assert not wrong.refused
    assert wrong.premise_note == "报告中的说法是2021年，而不是2020年。"
    right = _drafted_for("2021年 发布 的 《数字农业三年行动方案》 里 覆盖率 是 多少", text)
    assert not right.refused and not right.premise_note
    # A year that scopes the figure, not when the plan was issued, is still another case's.
    assert _drafted_for("2020年 农田 覆盖率 是 多少", text).refused


def test_a_why_question_answered_only_by_its_own_premise_is_refused() -> None:
    restated = "2020年，某国电力出口增长31.5%，出口到周边国家。"
    assert _drafted_for("某国 2020年 电力 出口 为啥 能 涨 31.5%？", restated).refused
    reasoned = "由于新建了两座水电站，2020年某国电力出口增长31.5%。"
    assert not _drafted_for("某国 2020年 电力 出口 为啥 能 涨 31.5%？", reasoned).refused


def test_a_why_question_on_a_false_premise_gets_what_the_report_says() -> None:
    rose = "2020年，某国电力出口增长31.5%，出口到周边国家。"
    # The answer states a rise where the question assumes a fall.
    assert not _drafted_for("某国 2020年 电力 出口 为啥 降了 31.5%？", rose).refused
    # The question asserts a figure the answer does not give.
    assert not _drafted_for("某国 2020年 电力 出口 为啥 能 涨 50%？", rose).refused


def test_a_why_question_asking_a_purpose_or_a_judgement_is_not_checked_for_a_marker() -> None:
    stated = "2023年，某市设立了20亿元的种子基金，进一步完善成果转化链条。"
    assert _drafted_for("某市 2023年 为什么 设立 20亿元 的 种子基金？", stated).refused
    assert not _drafted_for("某市 为什么 要 设立 20亿元 的 种子基金？", stated).refused
    assert not _drafted_for("为什么 说 种子基金 完善 了 成果转化 链条？", stated).refused


def test_a_figure_of_the_opposite_flow_does_not_answer() -> None:
    text = "2020年，某国电力出口1.35亿美元，增长31.5%。"
    # The report speaks of imports elsewhere: the word is known, this figure is not its.
    report = text + "该国天然气主要靠进口。"
    assert _drafted_for("2020年 某国 电力 进口 了 多少 美元", text, report).refused
    assert not _drafted_for("2020年 某国 电力 出口 了 多少 美元", text, report).refused


def test_a_change_asked_is_not_answered_by_a_level_alone() -> None:
    level = "截至6月末，个人住房贷款余额20.1万亿元，占贷款总额的25.9%。"
    changed = "截至6月末，个人住房贷款余额20.1万亿元，同比增长12.5%。"
    asked = question_of("6月末 个人 住房 贷款 余额 同比 增长 了 多少")
    assert lacks_figure(asked, level, LEXICON)
    assert not lacks_figure(asked, changed, LEXICON)
    # Where a change ended is a level.
    reached = question_of("6月末 个人 住房 贷款 余额 增长 到 多少")
    assert not lacks_figure(reached, level, LEXICON)
    # 「到多少了」 holds 少了 but asks where it stands.
    standing = question_of("头部 公司 余额 到 多少 了")
    assert not lacks_figure(standing, level, LEXICON)


def test_a_date_of_another_thing_in_the_sentence_does_not_date_the_title() -> None:
    evidence = "2010年3月，甲国提出“出口倍增计划”；《乙洲复苏计划》提出推广乙洲标准。"
    asked = question_of("《乙洲复苏计划》 是 哪一年 出台 的")
    assert lacks_figure(asked, evidence, LEXICON)
    dated = question_of("“出口倍增计划” 是 哪一年 提出 的")
    assert not lacks_figure(dated, evidence, LEXICON)


def test_a_why_question_answered_by_properties_or_a_judgement_is_not_refused() -> None:
    # 「资金投入大、不确定性高」 gives what makes it so, without a marker.
    props = "中试是成果走向生产线的最后一公里，资金投入大、不确定性高，最容易失败。"
    assert not _drafted_for("为什么 中试 的 风险 比 研发 更 大？", props).refused
    # 「为啥说」 asks the grounds of a judgement, which reports give unmarked.
    judged = "黑天鹅对经济的冲击比灰犀牛大得多，外部冲击难以预测。"
    assert not _drafted_for("为啥 说 黑天鹅 的 冲击 比 灰犀牛 大 得多？", judged).refused
