"""The lexicon: its files load into typed, non-empty tables, and the words live there.

The last tests read rag/**/*.py with `ast` and fail when a Chinese keyword list is
written in code outside rag/lexicon/ (see `keyword_lists` for the exact rule).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from rag.lexicon import DEFAULT_FILES, Lexicon, LexiconError, Words, load_lexicon
from rag.question import Cue, Intent

REPO = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u4e00-\u9fff]")
HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")

# --------------------------------------------------------------------- the tables


def _tables(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every leaf table of the Lexicon (tuples, frozensets, mappings, strings), by path."""
    if dataclasses.is_dataclass(value) and not isinstance(value, Words):
        for item in dataclasses.fields(value):
            yield from _tables(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, Words):
        yield path, value.words + value.patterns
    elif isinstance(value, Mapping) and all(isinstance(v, Words) for v in value.values()):
        yield path, value
        for key, words in value.items():
            yield from _tables(words, f"{path}.{key}")
    else:
        yield path, value


def test_the_packaged_files_load_into_non_empty_typed_tables(lexicon: Lexicon) -> None:
    assert [p.name for p in DEFAULT_FILES] == ["zh.toml", "finance.toml"]
    tables = dict(_tables(lexicon, "lexicon"))
    assert len(tables) > 100
    empty = [path for path, value in tables.items() if not value]
    assert not empty, f"empty tables: {empty}"
    assert isinstance(lexicon.stopwords.for_question, frozenset)
    assert isinstance(lexicon.numbers.figures.units, tuple)
    assert lexicon.numbers.numerals.digits["二"] == 2


def test_finance_extends_the_general_tables(lexicon: Lexicon) -> None:
    # finance.toml adds to lists and tables of zh.toml instead of replacing them.
    assert {"中共中央", "人保"} <= lexicon.names.standalone
    kinds = {"company", "agency", "institute", "organisation", "insurer", "bank"}
    assert kinds == set(lexicon.names.endings)
    assert "NIFD" in lexicon.report.about.names and "本文" in lexicon.report.about.names
    assert lexicon.numbers.figures.full_funding and lexicon.cues["subsidy"].words


def test_every_cue_and_intent_has_its_words(lexicon: Lexicon) -> None:
    own_patterns = {Cue.CONFIRMATION, Cue.CONFIRMATION_TAG, Cue.ABOUT_REPORT, Cue.SECOND_ASK}
    assert {Cue(name) for name in lexicon.cues} == set(Cue) - own_patterns
    assert set(lexicon.question.intents) == {i.value for i in Intent if i is not Intent.OTHER}
    assert set(lexicon.evidence.markers) == {"name", "reason", "definition", "list"}


def test_the_patterns_are_built_from_the_words(lexicon: Lexicon) -> None:
    patterns = lexicon.patterns
    assert patterns.heading_prefix.match("三、政策性科技保险取得新进展")
    assert patterns.date.search("截至 2025 年 11 月底") and patterns.year.search("2015 年")
    assert patterns.number.findall("35 家企业，1050 万元") == ["35 家", "1050 万元"]
    assert lexicon.question.intents["date"].search("是哪一年？")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="找不到词表文件"):
        load_lexicon(tmp_path / "missing.toml")
    with pytest.raises(LexiconError, match="无法读取"):
        load_lexicon(_write(tmp_path, "bad.toml", "[numbers\n"))
    # A table the code needs is missing, or a key is misspelt: the error names it.
    with pytest.raises(LexiconError, match="缺少 numbers"):
        load_lexicon(_write(tmp_path, "empty.toml", "[cues.summary]\nwords = ['概括']\n"))
    extra = _write(tmp_path, "extra.toml", "[numbers.numerals]\ncountin = ['一']\n")
    with pytest.raises(LexiconError, match="countin"):
        load_lexicon(*DEFAULT_FILES, extra)
    wrong = _write(tmp_path, "wrong.toml", "[numbers.numerals]\ntwo = ['两']\n")
    with pytest.raises(LexiconError, match=re.escape("numbers.numerals.two")):
        load_lexicon(*DEFAULT_FILES, wrong)


def test_a_later_file_extends_lists_and_replaces_values(tmp_path: Path) -> None:
    more = _write(
        tmp_path,
        "more.toml",
        "[evidence]\nanaphora = ['前面说的']\n[numbers.numerals]\ntwo = '俩'\n",
    )
    lexicon = load_lexicon(*DEFAULT_FILES, more)
    assert lexicon.evidence.anaphora[-1] == "前面说的" and "上述" in lexicon.evidence.anaphora
    assert lexicon.numbers.numerals.two == "俩"


# --------------------------------------------------------- no keyword lists in code

# Words in a collection literal this short (and without spaces or sentence
# punctuation) are keywords; longer strings are messages or prompts.
MAX_KEYWORD_CHARS = 8
_SENTENCE_PUNCTUATION = re.compile(r"[\s，。：；！？、,.:;!?]")

#: Keyword-like literals allowed in code, each with the reason.
ALLOWED: dict[str, str] = {
    "rag/types.py:FRONT_MATTER_SECTIONS": (
        "the names ingest/parse.py gives to the front-matter sections: a record contract "
        "for page labels, not language knowledge"
    ),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _is_keyword(value: Any) -> bool:
    return (
        isinstance(value, str)
        and bool(HAN.search(value))
        and len(value) <= MAX_KEYWORD_CHARS
        and not _SENTENCE_PUNCTUATION.search(value)
    )


def _looks_like_a_list(text: str) -> str:
    """Why a string literal is a keyword list ("" when it is not)."""
    alternatives = [part for part in text.split("|") if HAN.search(part)]
    if "|" in text and len(alternatives) >= 2:
        return "a regex alternation of Chinese words"
    for chars in re.findall(r"\[([^\]]*)\]", text):
        if len(HAN.findall(chars)) >= 2:
            return "a regex class of Chinese characters"
    tokens = text.split()
    if len(tokens) >= 3 and all(HAN_WORD.fullmatch(t) for t in tokens):
        return "a space-separated list of Chinese words"
    return ""


def keyword_lists(source: str) -> list[tuple[int, str, str]]:
    """(line, name, why) of every Chinese keyword list written in `source`.

    A keyword list is, outside docstrings:
    - a string literal (f-strings included) that is a regex alternation with two or
      more Chinese alternatives (「(哪年|何时)」), a regex character class with two or
      more Chinese characters (「[里中内]」), or three or more space-separated Chinese
      words (「的 了 是」);
    - a list, tuple, set or dict literal with three or more keyword-like Chinese strings
      among its elements (keys and values): at most 8 characters, no spaces or sentence
      punctuation, so that messages and prompts are not keywords;
    - set() or frozenset() of a Chinese string of three or more characters (a set of
      characters, 「frozenset("里中内上")」).
    `name` is the assigned name when the literal is assigned at module level, else "".
    """
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    names: dict[int, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and node.value is not None:
                for inner in ast.walk(node.value):
                    names[id(inner)] = target.id
    found = []
    for node in ast.walk(tree):
        why = ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and HAN.search(node.value):
                why = _looks_like_a_list(node.value)
        elif isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
            elements = [*node.keys, *node.values] if isinstance(node, ast.Dict) else node.elts
            words = [e for e in elements if isinstance(e, ast.Constant) and _is_keyword(e.value)]
            if len(words) >= 3:
                why = f"a collection of {len(words)} Chinese keywords"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("set", "frozenset")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and len(HAN.findall(node.args[0].value)) >= 3
        ):
            why = "a set of Chinese characters"
        if why:
            found.append((getattr(node, "lineno", 0), names.get(id(node), ""), why))
    return found


@pytest.mark.parametrize(
    "source",
    [
        '_DATE_RE = re.compile(r"(哪年|何时|什么时候)")',
        'x = re.compile(rf"(?<![{a}])[近过去]\\d")',
        'STOP = """的 了 是 在"""',
        'KINDS = ("比例", "规模", "金额")',
        'ENDS = {"保险公司": "insurer", "险企": "insurer", "银行": "bank"}',
        'SUFFIXES = frozenset("里中内上")',
        'def f(q):\n    return re.search(r"(补贴|补助)", q)',
    ],
)
def test_the_rule_finds_keyword_lists(source: str) -> None:
    assert keyword_lists(source), source


@pytest.mark.parametrize(
    "source",
    [
        'def f():\n    """「哪年|何时」 in a docstring is prose."""',
        'YEAR = re.compile(r"(?:19|20)\\d{2}\\s*年")',  # one Chinese character: structure
        'MESSAGES = ("请输入一个问题。", "问题里没有可检索的文字，请换个说法。", "检索失败：")',
        'PROMPT = "\\n".join(["你是报告问答助手，只根据编号段落回答。", "规则：", "不要推测。"])',
        'text = f"「{title}」中{which}的是：{row}"',
        'MARK = "报告中没有提到"',
    ],
)
def test_the_rule_leaves_messages_and_structure_alone(source: str) -> None:
    assert not keyword_lists(source), source


def test_no_chinese_keyword_list_is_written_in_rag_code() -> None:
    problems = []
    for path in sorted((REPO / "rag").rglob("*.py")):
        where = path.relative_to(REPO).as_posix()
        if where.startswith("rag/lexicon/"):
            continue
        for line, name, why in keyword_lists(path.read_text(encoding="utf-8")):
            if f"{where}:{name}" not in ALLOWED:
                problems.append(f"{where}:{line} {name or '(literal)'}: {why}")
    assert not problems, "move these words to rag/lexicon/*.toml:\n  " + "\n  ".join(problems)
