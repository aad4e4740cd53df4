"""Chinese tokenisation and the corpus-derived user dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.settings import Paths
from rag.tokenize import Tokenizer, derive_user_terms, ensure_jieba_cache, normalise_for_tokens
from tests.questions import packaged_lexicon

LEXICON = packaged_lexicon()
STOPWORDS = LEXICON.stopwords.for_retrieval

REPORT = Path(__file__).resolve().parents[1] / "corpus" / "nifd_2025_tech_insurance_report.txt"


@pytest.fixture(scope="module")
def report_text() -> str:
    return REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def terms(report_text: str) -> list[str]:
    return derive_user_terms([report_text], LEXICON)


@pytest.fixture(scope="module")
def jieba_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jieba")


@pytest.fixture(scope="module")
def tokenizer(terms: list[str], jieba_cache: Path) -> Tokenizer:
    return Tokenizer(terms, cache_dir=jieba_cache, lexicon=LEXICON)


def test_derived_terms_come_from_the_text(report_text: str, terms: list[str]) -> None:
    flat = normalise_for_tokens(report_text)
    assert terms == sorted(set(terms))
    for term in terms:
        assert term in flat, term


def test_derived_terms_cover_quotes_titles_products_orgs_abbreviations(terms: list[str]) -> None:
    assert "死亡之谷" in terms  # “…” quoted
    assert "关于进一步做好科技保险有关工作的通知" in terms  # 《…》 title
    assert "中试综合保险" in terms  # product (table cell)
    assert "研发费用损失保险" in terms
    assert "首台套重大技术装备保险" in terms  # 首台（套）… with the bracket dissolved
    assert "凯世通公司" in terms  # organisation
    assert "京津冀" in terms  # (…) abbreviation


def test_people_of_an_author_block_are_terms() -> None:
    block = "主编:李扬\n本报告执笔人：\n● 阎建军\n保险与发展研究中心主任\n● 邱剑\n"
    terms = derive_user_terms([block], LEXICON)
    assert {"李扬", "阎建军", "邱剑"} <= set(terms)
    # A bulleted line that is not a bare name is not taken for one.
    assert "保险与发展研究中心主任" not in terms


def test_a_clause_ending_in_an_organisation_word_is_no_organisation_name() -> None:
    text = "经批准，港城物流发展委员会正式成立，副市长李明远担任委员会主任。"
    terms = derive_user_terms([text], LEXICON)
    assert "港城物流发展委员会" in terms
    # A person's name and a verb inside it make it a clause: kept whole, it would hide
    # the name from who-questions.
    assert not any("李明远" in term for term in terms)


def test_a_listed_name_is_not_glued_to_the_word_before(tokenizer: Tokenizer) -> None:
    assert "邱剑" in tokenizer.cut("执笔人里邱剑是什么来头？")


def test_user_terms_kept_whole(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.cut("调研发现，凯世通公司的低能离子注入机入选首台（套）保险补偿项目。")
    assert "凯世通公司" in tokens
    tokens = tokenizer.cut("人保财险北京分公司开发出中试综合保险和“死亡之谷”")
    assert "中试综合保险" in tokens
    assert "死亡之谷" in tokens


def test_user_terms_still_yield_their_parts(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.cut("知识产权被侵权损失保险")
    assert "知识产权被侵权损失保险" in tokens
    assert "知识产权" in tokens
    assert "保险" in tokens


def test_every_usable_term_survives_cutting_the_report(
    tokenizer: Tokenizer, terms: list[str], report_text: str
) -> None:
    tokens = set(tokenizer.cut(report_text))
    # Terms with spaces or inner punctuation (“银保科技 e 贷”) cannot be one jieba token.
    usable = [t for t in terms if t.replace("-", "").replace("+", "").isalnum()]
    missing = [t for t in usable if t not in tokens]
    assert len(missing) <= len(usable) // 20, missing


def test_stopwords_and_punctuation_dropped(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.cut("什么是科技保险？报告里的哪些内容和它有关呢！")
    assert not {"什么", "哪些", "的", "和", "呢", "报告", "？", "！", " "} & set(tokens)
    assert "科技保险" in tokens
    assert all(t not in STOPWORDS for t in tokens)


def test_numbers_kept(tokenizer: Tokenizer) -> None:
    tokens = tokenizer.cut("早在2015年，保费1250万元，２０２５年")
    assert "2015" in tokens
    assert "1250" in tokens
    assert "2025" in tokens


def test_lower_case_and_full_width(tokenizer: Tokenizer) -> None:
    assert "arf" in tokenizer.cut("ＡｒＦ光刻胶")


def test_bracketed_name_matches_typed_form(tokenizer: Tokenizer) -> None:
    doc = set(tokenizer.cut("首台（套）重大技术装备保险补偿机制"))
    query = set(tokenizer.cut("首台套保险补偿机制是哪一年开始试点的"))
    assert {"首台", "保险", "补偿", "机制"} <= doc & query


def test_tokenizer_is_private_and_lazy(tmp_path: Path) -> None:
    import jieba

    tok = Tokenizer(["凯世通公司"], cache_dir=tmp_path, lexicon=LEXICON)
    assert tok._jieba is None  # nothing built until the first cut
    assert "凯世通公司" in tok.cut("凯世通公司")
    assert tok._jieba is not jieba.dt
    assert "凯世通公司" not in jieba.dt.FREQ  # the global dictionary is untouched
    assert list(tmp_path.iterdir())  # jieba's cache went where we asked


def test_the_dictionary_cache_is_built_once_beside_the_models(tmp_path: Path) -> None:
    paths = Paths(home=tmp_path / "home", models_override=tmp_path / "models")
    assert paths.jieba_cache_dir.parent == paths.models_dir  # shared by every home
    cache = ensure_jieba_cache(paths.jieba_cache_dir) / "jieba.cache"
    built = cache.stat().st_mtime_ns
    ensure_jieba_cache(paths.jieba_cache_dir)
    Tokenizer(cache_dir=paths.jieba_cache_dir, lexicon=LEXICON).cut("科技保险")
    assert cache.stat().st_mtime_ns == built  # read back, never rebuilt


def test_a_read_only_cache_place_still_cuts(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("x", encoding="utf-8")  # the cache dir cannot be made under a file
    tok = Tokenizer(cache_dir=blocked / "jieba", char_bigrams=False, lexicon=LEXICON)
    assert "保险" in tok.cut("科技保险")


def test_add_terms_after_initialisation(jieba_cache: Path) -> None:
    tok = Tokenizer(cache_dir=jieba_cache, char_bigrams=False, lexicon=LEXICON)
    assert "芯源微公司" not in tok.cut("芯源微公司的设备")
    tok.add_terms(["芯源微公司"])
    assert "芯源微公司" in tok.cut("芯源微公司的设备")
    assert "芯源微公司" in tok.user_terms


def test_char_bigrams_optional(jieba_cache: Path) -> None:
    tok = Tokenizer(cache_dir=jieba_cache, char_bigrams=True, lexicon=LEXICON)
    with_bigrams = tok.cut("科技保险是什么")
    tok.char_bigrams = False
    without = tok.cut("科技保险是什么")
    assert "技保" in with_bigrams
    assert "技保" not in without
    assert "什么" not in with_bigrams  # stopwords break bigram runs


def test_common_words_jieba_tags_as_names_are_tagged_as_everyday_words(
    tokenizer: Tokenizer,
) -> None:
    from rag.chain import make_tagger

    text = "美国农业部放行的作物已经上市，山羊也在其中，北京的城市试点"
    plain = dict(make_tagger(tokenizer)(text))
    # jieba's own dictionary takes 上市 (go to market) and 山羊 (goat) for places.
    assert plain["上市"] == "ns" and plain["山羊"] == "ns"
    tagged = dict(make_tagger(tokenizer, LEXICON.tokens.retagged)(text))
    assert tagged["上市"] == "v" and tagged["山羊"] == "n" and tagged["城市"] == "n"
    # Real places keep their tag.
    assert tagged["北京"] == "ns" and tagged["美国农业部"] == plain["美国农业部"]
