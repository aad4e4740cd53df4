"""An invented paper, as the parser would chunk it: title and author block, 摘要 with 关键词
and DOI, an unheaded 引言, decimal sections 1 / 2 / 2.1 / 3 / 3.1, numbered paragraphs
（1）(2）, a 一是…二是… list and a closing 结论与建议 section. Shared by the tests of
parts, digests and questions about the publication and its structure."""

from __future__ import annotations

from rag.context import Context, Corpus, Scorers
from rag.parts import report_parts
from rag.question import Question
from rag.sections import named_path
from rag.strategies.base import Passages
from rag.types import Chunk, ReportMeta, Retrieved
from tests.questions import language, question_of

# The words of the questions asked of this paper: questions are cut by longest match
# over them, one character at a time elsewhere (jieba's dictionary stays out of tests).
WORDS = (
    "作者们", "作者", "单位", "这篇", "论文", "文章", "关键词", "最后", "得出", "结论", "研究",
    "第一作者", "城市绿地", "生态效益", "基金项目", "资助", "老城区", "绿地", "方面", "偏低",
    "建议", "完善管护", "评估方法与结果", "评估方法", "研究现状", "文献", "梳理", "主要", "部分",
    "指标体系", "碳汇交易", "数字孪生", "人才队伍",
)  # fmt: skip


def cut(text: str) -> list[str]:
    """Longest match over `WORDS`; other characters one by one, spaces dropped."""
    out: list[str] = []
    i = 0
    while i < len(text):
        word = next((w for w in sorted(WORDS, key=len, reverse=True) if text.startswith(w, i)), "")
        out.append(word or text[i])
        i += len(word) or 1
    return [t for t in out if t.strip()]


SOURCE = "paper.pdf"
TITLE = "城市绿地生态效益评估与提升路径"
META = ReportMeta(
    title=TITLE,
    source=SOURCE,
    authors=("张明远", "李思齐", "王晓"),
    facts=(
        ("affiliation", "某某大学环境学院"),
        ("affiliation", "某某城市规划研究院"),
        ("doi", "10.0000/example.2024.01.001"),
        ("keywords", "城市绿地；生态效益"),
        ("journal", "某某环境学报"),
        ("year", "某某环境学报, 2024"),
    ),
)


def _chunk(n: int, path: tuple[str, ...], text: str, kind: str = "paragraph") -> Chunk:
    return Chunk(f"p{n}", text, SOURCE, TITLE, path, 1 + n // 4, 1 + n // 4, n, kind, meta=META)


CHUNKS = (
    _chunk(
        0,
        (),
        f"{TITLE}\n张明远1 李思齐1,2 王晓2\n"
        "1某某大学环境学院北京100000 2某某城市规划研究院上海200000",
        "front_matter",
    ),
    _chunk(
        1,
        ("摘要",),
        "摘要 城市绿地的生态效益关系到居民福祉。文章构建评估指标体系，分析中心城区绿地的"
        "生态效益。结果表明：中心城区绿地生态效益总体较高，但空间分布不均衡。文章提出"
        "优化布局与完善管护两条建议。",
        "front_matter",
    ),
    _chunk(
        2,
        ("摘要",),
        "关键词 城市绿地；生态效益\nDOI 10.0000/example.2024.01.001\n"
        "引用格式：张明远. 城市绿地生态效益评估[J]. 某某环境学报, 2024, 12(1): 1-9.",
        "front_matter",
    ),
    _chunk(3, ("引言",), "改善城市人居环境是新型城镇化的重要任务。"),
    _chunk(4, ("1研究现状",), "已有研究主要从以下三个方面展开，文献数量逐年增加。"),
    _chunk(
        5,
        ("1研究现状",),
        "（1）对绿地生态效益的测算进行研究。测算方法不断丰富。\n"
        "(2）对不同城市的绿地进行比较。比较多采用面板数据。\n"
        "(3）探讨绿地效益的影响因素。",
    ),
    _chunk(6, ("2评估方法与结果",), "评估采用层次分析法确定各项指标的权重。"),
    _chunk(7, ("2评估方法与结果", "2.1 指标体系"), "指标体系包括生态与社会两类指标。"),
    _chunk(
        8,
        ("2评估方法与结果", "2.2评估结果"),
        "一是生态效益总体较高。综合得分较高。\n二是空间分布不均衡。老城区绿地破碎。",
    ),
    _chunk(
        9,
        ("3结论与建议",),
        "中心城区绿地的生态效益总体较高，但老城区明显偏低，新城区则普遍较好。提升的关键在于布局和管护。\n"
        "为此提出以下建议。",
    ),
    _chunk(
        10,
        ("3结论与建议", "3.1 优化绿地布局"),
        "（1）增建小微绿地。利用边角地和闲置地。\n(2）提高绿地连通性。建设绿道网络。",
    ),
    _chunk(
        11, ("3结论与建议", "3.2 完善管护机制"), "（1）建立绩效评价制度。\n(2）引导居民参与管护。"
    ),
)


def context_of(chunks: tuple[Chunk, ...]) -> Context:
    """A Context over these chunks: test words, every term weighing the same."""
    return Context(language(cut), Scorers(weight=lambda t: 1.0), Corpus(chunks=chunks))


CONTEXT = context_of(CHUNKS)
PARTS = report_parts(CHUNKS, SOURCE, CONTEXT.lexicon)


def ask(text: str, context: Context = CONTEXT, source: str = SOURCE) -> tuple[Question, Passages]:
    """The question and its passages as the chain would scope them (every chunk retrieved)."""
    question = question_of(text, cut)
    chunks = context.corpus.chunks
    path = named_path(question, context.parts.get(source, ()))
    routed = tuple(Retrieved(c, 1.0, i) for i, c in enumerate(chunks, start=1))
    scoped = tuple(r for r in routed if path and r.chunk.section_path[: len(path)] == path)
    part = path[0] if path else None
    return question, Passages(question, context, routed, scoped or routed, source, part, path)


# A think-tank report numbered 一、/（一）, without 摘要 or 目录, closing with 对策建议
# given as 一是…二是….
BRIEF_SOURCE = "brief.txt"


def _brief(n: int, path: tuple[str, ...], text: str) -> Chunk:
    meta = ReportMeta(title="某市养老服务发展报告", source=BRIEF_SOURCE, authors=("赵明",))
    return Chunk(f"b{n}", text, BRIEF_SOURCE, meta.title, path, n + 1, n + 1, n, meta=meta)


BRIEF = (
    _brief(0, ("一、发展现状",), "全市养老服务设施不断增加，覆盖面稳步扩大。"),
    _brief(1, ("二、主要问题",), "养老服务仍存在一些短板，集中在以下两个方面。"),
    _brief(2, ("二、主要问题", "（一）专业人才短缺"), "护理人员流动性大，持证比例偏低。"),
    _brief(3, ("二、主要问题", "（二）服务供给不均"), "城区设施集中，郊区服务半径过大。"),
    _brief(
        4,
        ("三、对策建议",),
        "针对上述问题，提出以下建议。一是加强人才队伍建设，提高护理人员待遇。"
        "二是优化设施布局，补齐郊区服务短板。",
    ),
)
BRIEF_CONTEXT = context_of(BRIEF)
