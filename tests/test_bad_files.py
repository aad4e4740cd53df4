"""Bad report files through `reportqa ingest` (a subprocess, the real model).

Issue "Reliability and security": empty, binary, truncated (a PDF cut in half,
a UTF-8 file cut mid-character), a huge single line, GBK/GB18030, UTF-8 with BOM,
UTF-16, Windows \\r\\n text and a directory containing a symlink loop. Each bad
file gets one clear line, the good files are still ingested, the exit code is
non-zero, and every encoding is read correctly (checked with `reportqa inspect --full`).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPORTQA, env_for, make_settings
from tests.fakes import HashEmbeddings

# One distinctive sentence per readable file: if the encoding were misread, it
# would not come back verbatim from the index.
SENTENCES = {
    "gbk.txt": "绍兴市的甲乙丙保险试点覆盖了二十七家企业。",
    "bom.txt": "宁波市的丁戊保险试点覆盖了三十一家企业。",
    "utf16.txt": "嘉兴市的己庚保险试点覆盖了四十三家企业。",
    "crlf.txt": "湖州市的辛壬保险试点覆盖了五十九家企业。",
    "cut_utf8.txt": "舟山市的子丑保险试点覆盖了七十三家企业。",
    "huge_line.txt": "温州市的寅卯保险试点覆盖了八十九家企业，",
}
BAD = ("empty.txt", "binary.txt", "truncated.pdf", "loop")


def _write_corpus(folder: Path) -> None:
    from tests.docgen import make_simple_pdf

    folder.mkdir()
    (folder / "gbk.txt").write_bytes(f"国标编码报告\n\n{SENTENCES['gbk.txt']}\n".encode("gb18030"))
    (folder / "bom.txt").write_bytes(f"\ufeff带签名报告\n\n{SENTENCES['bom.txt']}\n".encode())
    (folder / "utf16.txt").write_bytes(f"双字节报告\n\n{SENTENCES['utf16.txt']}\n".encode("utf-16"))
    (folder / "crlf.txt").write_bytes(f"换行报告\r\n\r\n{SENTENCES['crlf.txt']}\r\n".encode())
    # Cut inside the final "。" (3 bytes in UTF-8): the text before it is intact.
    cut = f"截断报告\n\n{SENTENCES['cut_utf8.txt']}后面还有一句话。".encode()[:-1]
    (folder / "cut_utf8.txt").write_bytes(cut)
    # ~9 KB without a single line break (like text extracted from a minified page).
    (folder / "huge_line.txt").write_text(
        "一行到底的报告，" + SENTENCES["huge_line.txt"] * 200, encoding="utf-8"
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 16)
    pdf = make_simple_pdf(folder.parent / "whole.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "loop")


@pytest.mark.slow
def test_ingest_bad_files_one_line_each_good_files_indexed(
    tmp_path: Path, shared_models_dir: Path
) -> None:
    """Empty, binary, truncated PDF, symlink loop: one line each; exit code non-zero;
    GBK/GB18030, UTF-8 BOM, UTF-16, \\r\\n, a UTF-8 file cut mid-character and a huge
    single line are ingested and their sentences come back verbatim."""
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    env = env_for(tmp_path / "home", shared_models_dir)
    result = subprocess.run(
        [*REPORTQA, "ingest", "--quiet", str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("✗ ")]
    for name in BAD:
        lines = [line for line in error_lines if f"{name}:" in line]
        assert len(lines) == 1, (name, error_lines)
        # A clear reason in Chinese, and the path only once.
        assert lines[0].count(str(corpus)) == 1, lines[0]
    assert len(error_lines) == len(BAD), error_lines
    assert "文件为空" in next(line for line in error_lines if "empty.txt" in line)
    assert "二进制" in next(line for line in error_lines if "binary.txt" in line)
    assert "PDF" in next(line for line in error_lines if "truncated.pdf" in line)
    assert "符号链接循环" in next(line for line in error_lines if "loop" in line)
    # The cut file is read, and the lost character is reported, not silently dropped.
    assert any("截断" in line and "cut_utf8.txt" in line for line in result.stderr.splitlines())
    assert f"文件 {len(SENTENCES) + 3} 个" in result.stdout, result.stdout

    inspect = subprocess.run(
        [*REPORTQA, "inspect", "--full"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    for name, sentence in SENTENCES.items():
        assert sentence in inspect.stdout, (name, inspect.stdout[:2000])
    assert "\r" not in inspect.stdout
    assert "\ufeff" not in inspect.stdout


def test_huge_single_line_ingests_in_linear_time(tmp_path: Path) -> None:
    """A huge single line (~0.5 MB, no line breaks): parsed, chunked and indexed.

    Fake embeddings keep this about the text pipeline (no quadratic regex or
    per-line work); the time bound is generous, it only catches a blow-up.
    """
    from ingest.pipeline import ingest_paths
    from rag.factory import make_chroma_client

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    line = "一行到底的报告：" + "".join(
        f"第{i}号试点城市的科技保险覆盖了{i % 97}家企业，" for i in range(8000)
    )
    (corpus / "huge.txt").write_text(line, encoding="utf-8")
    settings = make_settings(tmp_path / "home", tmp_path / "models")
    embeddings = HashEmbeddings(dim=32, query_prompt="query: ", passage_prompt="passage: ")
    started = time.monotonic()
    summary = ingest_paths(
        [corpus],
        settings,
        client=make_chroma_client(settings.index, settings.paths),
        embed_factory=lambda: embeddings.embed_documents,
    )
    assert not summary.errors
    assert summary.chunks > 400
    assert time.monotonic() - started < 120
