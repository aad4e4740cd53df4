"""Answering that holds on reports it was not written for: noise around a question, honest
refusals, and refusal checks that do not fire on words that say what kind of answer is
wanted or on tokens the tokenizer only guessed."""

from __future__ import annotations

from dataclasses import replace

from rag.extractive import unsupported
from rag.figures import has_figure
from rag.question import Language, analyse
from rag.textnorm import normalise_question, strip_noise
from rag.verify import absent_terms, refusal_text
from tests.questions import packaged_lexicon, question_of, tagger, whitespace_cut

LEXICON = packaged_lexicon()


def test_noise_around_a_question_is_dropped() -> None:
    assert strip_noise("🙏 作者们是哪个单位的呀？", LEXICON) == "作者们是哪个单位的呀？"
    assert strip_noise("**法律基础**这块有哪几部法？", LEXICON) == "法律基础这块有哪几部法？"
    assert (
        strip_noise('<b>债务率</b>是怎么<span class="x">定义</span>的？<br/>', LEXICON)
        == "债务率是怎么定义的？"
    )
    assert (
        strip_noise("请问 quick question，市场的年复合增长率是多少？", LEXICON)
        == "市场的年复合增长率是多少？"
    )
    assert (
        strip_noise("我在写材料，想确认下：雨伞那一类的占有率是多少？", LEXICON)
        == "雨伞那一类的占有率是多少？"
    )


def test_noise_stripping_keeps_the_question() -> None:
    # A clause with a question word is the question, even with 「我想」 in it.
    assert strip_noise("我想知道光伏电站是哪年建的？", LEXICON) == "我想知道光伏电站是哪年建的？"
    # An English question is left alone; so are units and degree signs.
    assert strip_noise("What is CRISPR?", LEXICON) == "What is CRISPR?"
    assert strip_noise("水温是多少℃？", LEXICON) == "水温是多少℃？"
    # A comparison sign is not a tag.
    assert strip_noise("增速<5%的省份有哪些？", LEXICON) == "增速<5%的省份有哪些？"
    # Nothing but noise: the text is kept as it was, not emptied.
    assert strip_noise("😀🙏", LEXICON) == "😀🙏"
    assert normalise_question("😀 问下，个人买设备能补贴多少？", LEXICON).text.startswith("个人")


def test_refusal_names_only_words_the_report_lacks() -> None:
    question = question_of("火星 基地 的 保费 是 多少 ？")
    report = "科技保险的保费规模持续扩大。"
    absent = absent_terms(question, report.__contains__)
    assert absent == ("火星", "基地")
    text = refusal_text(absent)
    assert "火星" in text and "基地" in text and "保费" not in text
    # Nothing absent: the refusal says only that nothing answers.
    assert refusal_text(absent_terms(question, lambda term: True)) == refusal_text(())
    assert "没有提到" not in refusal_text(())
    # The asker's verbs and adverbs are not topics the report lacks; its nouns are.
    tags = tagger({"领先": "v", "单独": "d", "创办": "v", "火星": "ns"})
    worded = question_of("火星 基地 单独 创办 的 公司 领先 多少", tag=tags)
    assert absent_terms(worded, report.__contains__) == ("火星", "基地", "公司")
    # Nor is the kind of answer or figure asked for, or how much (「一大截」「前三」).
    tags = tagger({"城市": "ns", "一大截": "m", "前三": "m"})
    kinds = question_of("火星 基地 在 哪个 城市 ， 规模 高 一大截 ， 排 前三", tag=tags)
    assert absent_terms(kinds, report.__contains__, LEXICON) == ("火星", "基地")
    # Nor the asker's state words or time words, as jieba tags them in a question
    # (「跌得最狠」 z; 「前三的行业」「明年」 t).
    tags = tagger({"跌得": "v", "最狠": "z", "前三": "t", "明年": "t"})
    worded = question_of("火星 基地 明年 跌得 最狠 ， 前三 的 基地", tag=tags)
    assert absent_terms(worded, report.__contains__, LEXICON) == ("火星", "基地")


def test_refusal_does_not_name_a_scope_the_report_names_in_other_words() -> None:
    # A report on China writes 我国, never 国内: 「国内」 is not missing from it.
    question = question_of("国内 哪个 省份 的 火星 基地 多")
    report = "我国的科技保险保费规模持续扩大。"
    assert absent_terms(question, report.__contains__, LEXICON) == ("火星", "基地")
    assert "国内" in absent_terms(question, "保费规模持续扩大。".__contains__, LEXICON)


def test_answer_kind_nouns_and_guessed_tokens_do_not_refuse() -> None:
    def report_has(term: str) -> bool:
        return term in "星河科技 2015年 成立 杭州 招标 可再生能源 投资"

    tags = tagger({"城市": "ns", "拉可": "nr"})
    asks_city = question_of("星河科技 哪年 成立 在 哪个 城市", tag=tags)
    assert not unsupported(asks_city, "杭州 | 星河科技 | 2015年", report_has, LEXICON)
    guessed = question_of("哪个 部门 在 招标 拉可 再生能源 投资", tag=tags)
    assert any(t.text == "拉可" for t in guessed.terms)
    unknown = replace(guessed, terms=tuple(replace(t, known=False) for t in guessed.terms))
    assert not unsupported(unknown, "国家能源部通过招标吸引投资", report_has, LEXICON)
    # A place the report never names, and that the dictionary knows, still refuses.
    elsewhere = question_of("成都 的 保费 补贴 多少", tag=tagger({"成都": "ns"}))
    assert unsupported(elsewhere, "北京的保费补贴为 30%", report_has, LEXICON)


def test_any_count_is_answered_by_a_count_not_a_sum() -> None:
    assert has_figure("年均阳光明媚的天气可达 320d", "个", LEXICON)
    assert not has_figure("设立了总规模 20 亿元的种子基金", "个", LEXICON)


def test_known_words_come_from_the_tokenizer() -> None:
    language = Language(LEXICON, whitespace_cut, known={"保费"}.__contains__)
    question = analyse("保费 拉可", language)
    assert [(t.text, t.known) for t in question.terms] == [("保费", True), ("拉可", False)]


def test_a_count_of_things_asked_with_any_classifier_takes_any_count() -> None:
    from rag.question import unit_hint

    any_count = LEXICON.numbers.figures.any_count
    assert unit_hint("建了多少座仓库", LEXICON) == any_count
    assert unit_hint("一共几台设备", LEXICON) == any_count
    # 「多大」 alone asks a size of any kind, not a sum of money.
    assert unit_hint("仓库面积多大", LEXICON) == ""
    assert unit_hint("保费规模多大", LEXICON) == LEXICON.numbers.figures.money
    assert has_figure("建成 12 座 仓库", any_count, LEXICON)


def test_a_size_is_any_figure_but_a_share() -> None:
    from rag.question import unit_hint

    size = LEXICON.numbers.figures.size
    # 「规模」 alone is a sum for a market and a capacity for a plant …
    assert unit_hint("第一座风电厂在哪个区，规模多大", LEXICON) == size
    assert has_figure("拟建一座 100MW 的风电站", size, LEXICON)
    assert has_figure("市场规模将达到 62.8 亿美元", size, LEXICON)
    # … never a percentage alone.
    assert not has_figure("年复合增长率高达 14.5%", size, LEXICON)
    assert not has_figure("占全国的三成", size, LEXICON)


def test_only_the_asking_clause_can_veto_a_figure_question_by_an_absent_noun() -> None:
    def report_has(term: str) -> bool:
        return term in "寿险 占比 渗透率 财险 保费"

    tags = tagger({"大头": "n", "场馆": "n", "占比": "n", "寿险": "n"})
    # The scene is set in the asker's words (大头); the asked clause is the report's.
    scene = question_of("寿险 占 大头 ， 具体 占比 多少", tag=tags)
    assert not unsupported(scene, "财险 保费 占比 为 61.5%。", report_has, LEXICON)
    # The asked thing itself is absent: refused.
    asked = question_of("场馆 的 占比 是 多少", tag=tags)
    assert unsupported(asked, "财险 保费 占比 为 61.5%。", report_has, LEXICON)


def test_a_refusal_never_names_a_pronoun_as_absent() -> None:
    tags = tagger({"他们": "r", "单位": "n"})
    question = question_of("他们 是 哪个 单位 的", tag=tags)
    assert any(t.text == "他们" for t in question.terms)
    assert absent_terms(question, lambda term: False) == ("单位",)


def test_a_refusal_never_names_the_words_asking_an_amount_as_absent() -> None:
    # 「百分之几」「多少度」 ask for a figure: the report lacks no such topic.
    question = question_of("德国 机械 份额 占 百分之几 ？ 发电 多少度 ？")
    absent = absent_terms(question, lambda term: False, LEXICON)
    assert "百分之几" not in absent and "多少度" not in absent
    assert "机械" in absent and "份额" in absent


def test_a_figure_asked_in_a_unit_of_measure_needs_a_figure_in_that_dimension() -> None:
    from rag.question import unit_hint

    assert unit_hint("2015年进口了多少吨铁矿石", LEXICON) == "吨"
    assert unit_hint("装机有多少万千瓦", LEXICON) == "千瓦"
    assert unit_hint("日照一年多少小时", LEXICON) == "小时"
    # Tonnes are not answered by a share, nor power by an energy in other words.
    assert not has_figure("铁矿石对外依存度达到 87%", "吨", LEXICON)
    assert has_figure("进口铁矿石 10 亿吨", "吨", LEXICON)
    assert has_figure("约为 10×104 t 石油当量", "吨", LEXICON)
    # Any written form of the dimension answers: 「多少千瓦」 by 「2005MW」.
    assert has_figure("装机容量达到 2005MW", "千瓦", LEXICON)
    assert not has_figure("折合约 30×104 t 石油当量", "MW", LEXICON)
    assert has_figure("年日照时数为 2800~3000h", "小时", LEXICON)
    # 斤 is a weight too: 「多少万吨」 is answered by 「707 亿斤」, and the other way round.
    assert has_figure("全年产量达到 707 亿斤", "吨", LEXICON)
    assert has_figure("全年产量达到 3538 万吨", "斤", LEXICON)


def test_a_reference_mark_is_not_a_figure() -> None:
    # 「章国荣[10]」 points at the bibliography: a figure question is not answered by it.
    assert not has_figure("陈某和章某[10]探讨了服务贸易竞争力的影响", "", LEXICON)
    assert not has_figure("已有研究[3, 5]讨论了这一问题", "", LEXICON)
    assert has_figure("竞争力指数为 0.93[10]", "", LEXICON)
    # A span of years dates the sentence: neither end is a figure.
    assert not has_figure("2000一2015年，部分产业上升较快", "", LEXICON)
    assert has_figure("2000—2015年上升了 12.5%", "", LEXICON)


def test_a_time_span_word_does_not_make_a_date_question() -> None:
    from rag.question import Intent, classify

    assert classify("作者为啥选这个时间段来分析", LEXICON) is Intent.REASON
    assert classify("政策的发布时间是", LEXICON) is Intent.DATE


def test_who_holds_a_role_is_answered_only_by_a_passage_naming_that_role() -> None:
    from rag.slots import asked_role, role_unnamed

    tags = tagger({"创始人": "n", "副主任": "n", "局长": "n", "张三": "nr"})
    founder = question_of("甲公司 的 创始人 是谁", tag=tags)
    assert asked_role(founder, LEXICON) == "创始人"
    assert role_unnamed(founder, "甲公司是国内首家基因编辑公司。", LEXICON)
    assert not role_unnamed(founder, "甲公司的创始人是李四。", LEXICON)
    # Another role is not the one asked: 主任 does not answer 副主任.
    deputy = question_of("委员会 的 副主任 是谁", tag=tags)
    assert role_unnamed(deputy, "委员会成立，王五担任主任。", LEXICON)
    # 「那个局长」 names the role 局长.
    chief = question_of("经济一局那个局长 是谁", tag=tagger({"经济一局那个局长": "n"}))
    assert asked_role(chief, LEXICON) == "局长"
    # 「全称叫啥」 asks the name of a thing, not who holds a role.
    named = question_of("那个决定 全称 叫啥", tag=tagger({"全称": "n"}))
    assert asked_role(named, LEXICON) == ""
    # A person named is asked about, not for.
    assert asked_role(question_of("张三 是谁", tag=tags), LEXICON) == ""
    # 「副主任由谁来担任」 asks who holds the role as 「是谁」 does.
    appointed = question_of("委员会成立时 ， 副主任 由谁来 担任", tag=tags)
    assert asked_role(appointed, LEXICON) == "副主任"
    assert role_unnamed(appointed, "委员会成立，王五担任主任。", LEXICON)
    assert not role_unnamed(appointed, "委员会成立，赵六担任副主任。", LEXICON)


def test_a_short_form_cut_into_a_preposition_and_a_place_is_a_term() -> None:
    # jieba reads 朝美 (朝鲜 and 美国) as 朝 (towards) and 美 (a place).
    tags = tagger({"朝": "p", "美": "ns", "对峙": "v", "博弈": "v", "潘": "nr", "淑": "n"})
    terms = question_of("朝 美 对峙 时 两边 在 玩 哪种 博弈", tag=tags).term_texts
    assert "朝美" in terms and "博弈" in terms
    # A surname and a character (潘/淑) beside other words stay out: a person's name is
    # read from the sentences naming the person.
    assert "潘淑" not in question_of("潘 淑 是 谁 的 皇后", tag=tags).term_texts


def test_a_refusal_does_not_name_the_asking_word_as_absent() -> None:
    tags = tagger({"副主任": "n", "由谁来": "l", "担任": "v", "火星": "ns"})
    asked = question_of("火星 基地 副主任 由谁来 担任", tag=tags)
    report = "基地成立，王五担任主任，副主任暂缺。"
    assert absent_terms(asked, report.__contains__, LEXICON) == ("火星",)


def test_an_intent_word_counts_only_where_a_word_starts() -> None:
    from rag.question import Intent, classify

    text = "光伏项目的电价是多少"
    # 「项目的」 holds 目的, which asks a purpose as a word of its own.
    assert classify(text, LEXICON) is Intent.REASON
    words = ["光伏", "项目", "的", "电价", "是", "多少"]
    assert classify(text, LEXICON, lambda _: words) is Intent.FIGURE
    assert (
        classify(
            "这样做的目的是什么", LEXICON, lambda _: ["这样", "做", "的", "目的", "是", "什么"]
        )
        is Intent.REASON
    )


def test_a_figure_asked_of_one_scope_is_not_answered_by_another_scopes() -> None:
    from rag.extractive import _of_another_scope

    asked = "国内基因编辑市场一年多少亿"
    assert _of_another_scope(asked, "全球基因编辑市场将增长到62.8亿美元。", LEXICON)
    assert not _of_another_scope(asked, "我国基因编辑市场规模约10亿元。", LEXICON)
    # A unit that sets no scope, or a question that sets both, is not checked.
    assert not _of_another_scope(asked, "该市场规模约10亿元。", LEXICON)
    assert not _of_another_scope("国内外市场一年多少亿", "全球市场62.8亿美元。", LEXICON)
    # 国际 sets no scope: 「国际竞争力」 is about a country too.
    assert not _of_another_scope("我国的贸易竞争指数是多少", "国际竞争力指数为0.9。", LEXICON)


def test_the_word_naming_the_kind_of_answer_counts_little() -> None:
    from rag.question import _VERB_FACTOR

    asked = question_of("科技保险 是 怎么 定义 的", tag=tagger({"科技保险": "x", "定义": "n"}))
    factors = {t.text: t.factor for t in asked.terms}
    assert factors["定义"] == _VERB_FACTOR
    assert factors["科技保险"] == 1.0


def test_english_words_in_lower_case_are_the_askers_not_names() -> None:
    def report_has(term: str) -> bool:
        return term in "黑天鹅 说法 学者 提出 Taleb 抵押贷款 风险 模型"

    tags = tagger({"black": "eng", "swan": "eng", "model": "eng", "Goldman": "eng"})
    passage = "“黑天鹅”是由Taleb于2007年提出的。"
    said_in_english = question_of("black swan 这个 说法 是 哪位 学者 提出 的", tag=tags)
    assert not unsupported(said_in_english, passage, report_has, LEXICON)
    # A capitalised foreign name the report never mentions still refuses.
    named = question_of("Goldman 怎么 看 黑天鹅", tag=tags)
    assert unsupported(named, passage, report_has, LEXICON)


def test_the_kind_asked_after_a_which_word_is_no_unknown_name() -> None:
    def report_has(term: str) -> bool:
        return term in "产品 体系 按 阶段 划分"

    # jieba tags some common nouns as places (维度 ns); after 「哪几个」 it is the kind asked.
    tags = tagger({"维度": "ns", "日本": "ns"})
    kind = question_of("产品 体系 按 哪几个 维度 划分", tag=tags)
    assert not unsupported(kind, "产品体系按研发、应用、保护三个阶段划分。", report_has, LEXICON)
    # A place the report never names still refuses.
    place = question_of("日本 有没有 类似 的 产品 体系", tag=tags)
    assert unsupported(place, "产品体系按研发、应用、保护三个阶段划分。", report_has, LEXICON)


def test_a_code_or_an_item_number_is_not_a_figure() -> None:
    # 「HS30」 names a product class, 「Cas9」「PD-1」 a protein, 「（3）」 an item.
    assert not has_figure("“纺织品”（HS52）、“家具”（HS94）一直处于劣势", "", LEXICON)
    assert not has_figure("（3）做好各方面预案，以防不测。", "", LEXICON)
    assert not has_figure("某市 | 第一医院 | TALEN、 CD-19 | 胃癌", "个", LEXICON)
    assert not has_figure("G7国家的竞争力", "", LEXICON)
    # 「（表8）」「(图2)」 point at a table or a chart.
    assert not has_figure("“药品”（HS30）在市场上始终处于比较劣势（表8）。", "", LEXICON)
    assert not has_figure("专利申请以企业为主（见图2)。", "", LEXICON)
    assert has_figure("表8列出的指数为 0.415", "", LEXICON)
    # A figure beside a code still counts, and so does a unit after the digits.
    assert has_figure("纺织品（HS52）的指数为 0.415", "", LEXICON)
    assert has_figure("装机容量达到 2005MW", "千瓦", LEXICON)


def test_a_share_is_not_answered_by_a_rate_of_change() -> None:
    from rag.extractive import lacks_figure

    share = question_of("服务器 2017年 在 市场 里 占 百分之几")
    growth = "该市场预计从20亿美元增至40亿美元，年复合增长率约为12%。"
    assert lacks_figure(share, growth, LEXICON)
    assert not lacks_figure(share, "服务器在2017年占全球市场的28.6%。", LEXICON)
    # A question that asks the change itself is answered by it.
    change = question_of("市场 每年 增长 百分之几")
    assert not lacks_figure(change, growth, LEXICON)


def test_words_the_tagger_takes_for_places_are_not_unknown_places() -> None:
    tags = tagger({"东西": "ns", "上台": "ns", "广州": "ns"})
    question = question_of("我国 搞出 了 啥 东西 ？ 新 上台 的 总统 叫 啥 ？ 广州 呢", tag=tags)
    found = {t.text: t.tag for t in question.terms}
    assert found["东西"] == "n" and found["上台"] == "v"
    assert found["广州"] == "ns"


def test_a_sentence_dated_with_other_years_does_not_answer_the_asked_year() -> None:
    from rag.figures import dated_otherwise

    exports = "2020年，某国的电力出口为2.4亿美元，比上年多两成。"
    assert dated_otherwise(exports, ("2021",), LEXICON)
    assert not dated_otherwise(exports, ("2020",), LEXICON)
    # A forecast from one year to another gives no figure for the years between.
    forecast = "该市场将由2017年的40亿元增至2022年的90亿元。"
    assert dated_otherwise(forecast, ("2020",), LEXICON)
    # A span, or a year opening a span to now, covers the years within it.
    assert not dated_otherwise("2000一2015年，该产业的比较优势下降较快。", ("2010",), LEXICON)
    assert not dated_otherwise("2008年以来，不良贷款逐年上升。", ("2016",), LEXICON)
    # An undated sentence, or a question naming no year, leaves the check to others.
    assert not dated_otherwise("某国的电力出口为2.4亿美元。", ("2021",), LEXICON)
    assert not dated_otherwise(exports, (), LEXICON)


def test_who_did_it_needs_a_person_or_organisation_the_question_does_not_name() -> None:
    from rag.slots import agent_unnamed

    tags = {"南京大学": "nt", "李扬": "x", "莱特希泽": "nr", "美国政府": "nt", "欧洲制造": "x"}

    def tag(text: str) -> list[tuple[str, str]]:
        found = [(word, pos) for word, pos in tags.items() if word in text]
        return found or [(text, "n")]

    team = question_of("南京大学 那个 新技术 是 谁 带队 搞 的")
    # Only the university the question names: the report does not say who.
    assert agent_unnamed(team, "南京大学的科研人员首次开发出一种新技术", LEXICON, tag)
    assert not agent_unnamed(team, "南京大学黄军就团队开发出一种新技术", LEXICON, tag)
    assert not agent_unnamed(team, "由Doudna团队开发", LEXICON, tag)
    # 「哪位」 asks for a person: a government is not one; a short report term may be.
    president = question_of("出口 倍增 计划 是 哪位 总统 提出 的")
    assert agent_unnamed(president, "美国政府正式提出，以推广“欧洲制造”", LEXICON, tag)
    editor = question_of("季报 的 主编 是 哪位")
    assert not agent_unnamed(editor, "季报 主编:李扬", LEXICON, tag)
    # A name jieba splits after the surname (「宋/平凡」) is still a name.
    split = [("感谢", "v"), ("宋", "nr"), ("平凡", "a"), ("教授", "n")]
    assert not agent_unnamed(
        question_of("致谢 了 哪位 教授"), "感谢宋平凡教授", LEXICON, lambda t: split
    )
    # Not a who-question: whose (「谁的团队」) and comparisons (「谁更高」) are left alone.
    assert not agent_unnamed(question_of("这 是 谁的 团队"), "一种新技术", LEXICON, tag)
    assert not agent_unnamed(question_of("两国 谁更高"), "一种新技术", LEXICON, tag)


def test_a_list_asking_dates_needs_them() -> None:
    from rag.extractive import lacks_figure

    each = question_of("甲、乙、丙 分别是 哪一年 开始 布局 的")
    assert lacks_figure(each, "包括甲、乙、丙等多家公司已布局相关业务。", LEXICON)
    assert not lacks_figure(each, "甲于 2015 年、乙于 2016 年开始布局。", LEXICON)
    # A list that asks no date is not held to one.
    names = question_of("哪些 公司 已 布局 相关 业务")
    assert not lacks_figure(names, "包括甲、乙、丙等多家公司已布局相关业务。", LEXICON)


def test_a_why_question_quotes_the_clauses_that_give_the_reason() -> None:
    from rag.extractive import _window_for

    sentence = (
        "线上理财兴起，货币基金扩张，带来了存款的分流，城商行储蓄存款所占比重随之明显下降，"
        "如图3所示，2020年大型和中型城商行储蓄存款占总负债比重分别比2015年下降了2个和5个"
        "百分点；同业业务发展较快，同业存单在负债中的比重迅速上升，2020年中型和小型城商行"
        "应付债券占负债比重分别比2015年上升了6.5和4个百分点。"
    )
    why = question_of("大中型 城商行 储蓄存款 占 负债 的 比重 咋降下来了 ？")
    window = _window_for(sentence, why, lambda term: 1.0, 120, LEXICON)
    assert window.startswith("线上理财兴起") and "下降了2个和5个百分点" in window
    # Asked how much, the same sentence is quoted from the clause that states it.
    what = question_of("大中型 城商行 储蓄存款 占 负债 的 比重 下降 了 多少 ？")
    assert not _window_for(sentence, what, lambda term: 1.0, 120, LEXICON).startswith("线上")


def test_a_figure_window_keeps_the_clause_after_the_named_thing() -> None:
    from rag.extractive import _window_for

    sentence = (
        "2021年3月5日该国共和国总统签发108号令，计划到2030年新能源占总发电量的比重增加到30%，"
        "其中水力发电量增加至1200MW，占总发电量的9.5%；风力发电量增加到3100MW，占总发电量的7.2%；"
        "生物质发电量增加到800MW，占总发电量的2.1%；此外还将建设若干储能电站和配套电网设施。"
    )
    asked = question_of("108号令 里 风力 2030年 占 发电量 多少 ？")
    window = _window_for(sentence, asked, lambda term: 1.0, 115, LEXICON)
    assert "风力发电量增加到3100MW" in window and "7.2%" in window
