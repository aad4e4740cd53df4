"""Readers: encodings, line ends, clear errors, and the folder walk."""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

import pytest

from ingest.readers import ReadError, decode_bytes, iter_report_files, read_text

SAMPLE = "科技保险是科技金融的重要组成部分。\n表 1 近年来对科技保险的重大支持政策\n"


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "gb2312"])
def test_gbk_family(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(SAMPLE.encode(codec))
    assert read_text(path) == SAMPLE


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # 𠀀 (U+20000) and € exist in GB18030 but not in GBK.
    text = "扩展汉字𠀀与欧元符号€。\n"
    path = tmp_path / "gb18030.txt"
    path.write_bytes(text.encode("gb18030"))
    assert read_text(path) == text


@pytest.mark.parametrize(
    ("prefix", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_boms(tmp_path: Path, prefix: bytes, codec: str) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(prefix + SAMPLE.encode(codec))
    text = read_text(path)
    assert text == SAMPLE
    assert not text.startswith("\ufeff")


def test_utf16_written_by_python(tmp_path: Path) -> None:
    path = tmp_path / "u16.txt"
    path.write_text(SAMPLE, encoding="utf-16")  # with BOM, native order
    assert read_text(path) == SAMPLE


def test_bomless_ascii_heavy_utf16(tmp_path: Path) -> None:
    text = "Report 2025: insurance for technology, page 1 of 7.\n" * 5
    path = tmp_path / "u16le.txt"
    path.write_bytes(text.encode("utf-16-le"))
    assert read_text(path) == text


def test_line_ends_normalised(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("第一行\r\n第二行\r第三行\n第四行".encode())
    assert read_text(path) == "第一行\n第二行\n第三行\n第四行"


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t", codecs.BOM_UTF8])
def test_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_text(path)
    assert "文件为空" in str(info.value) and "empty" in str(info.value)
    assert info.value.path == path


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n\x00\x01\x02\x03binary\xff\xfe\x00\x00" * 10,
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)),
        bytes(range(1, 32)) * 50,  # control characters, no NUL
    ],
)
def test_binary(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "binary.txt"
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_text(path)
    assert "不是文本文件" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="文件不存在"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(ReadError, match="文件夹"):
        read_text(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_chmod(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(ReadError, match="没有读取权限"):
            read_text(path)
    finally:
        path.chmod(0o644)


def test_unreadable_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text(SAMPLE, encoding="utf-8")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(ReadError) as info:
        read_text(path)
    assert "没有读取权限" in str(info.value) and "permission denied" in str(info.value)


def test_huge_single_line(tmp_path: Path) -> None:
    line = "科技保险发展，" * 300_000  # ~2.1 M characters, ~6 MB, no newline
    path = tmp_path / "huge.txt"
    path.write_text(line + "\r\n", encoding="utf-8")
    started = time.perf_counter()
    text = read_text(path)
    assert time.perf_counter() - started < 5
    assert text == line + "\n"
    gbk_path = tmp_path / "huge_gbk.txt"
    gbk_path.write_bytes(line.encode("gbk"))
    assert read_text(gbk_path) == line


def test_decode_bytes_directly() -> None:
    assert decode_bytes("报告".encode("gb18030")) == "报告"
    with pytest.raises(ReadError):
        decode_bytes(b"")


# ------------------------------------------------------------------- the walk


def make_tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    (root / ".hidden").mkdir()
    (root / "b" / "z.txt").write_text("z", encoding="utf-8")
    (root / "b" / "y.PDF").write_bytes(b"%PDF")
    (root / "a" / "x.md").write_text("x", encoding="utf-8")
    (root / "a" / "x.md.meta.json").write_text("{}", encoding="utf-8")
    (root / "a" / "notes.csv").write_text("1,2", encoding="utf-8")
    (root / ".hidden" / "secret.txt").write_text("s", encoding="utf-8")
    (root / ".dot.txt").write_text("d", encoding="utf-8")
    (root / "~$lock.docx").write_bytes(b"lock")
    (root / "r.docx").write_bytes(b"PK")
    (root / "p.html").write_text("<p>h</p>", encoding="utf-8")


def test_walk_sorted_filtered(tmp_path: Path) -> None:
    make_tree(tmp_path)
    files, errors = iter_report_files([tmp_path])
    assert errors == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "a/x.md",
        "b/y.PDF",
        "b/z.txt",
        "p.html",
        "r.docx",
    ]


def test_walk_symlink_loop(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "b" / "again").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "self").symlink_to(tmp_path / "self")  # ELOOP on its own
    files, errors = iter_report_files([tmp_path])
    names = [f.relative_to(tmp_path).as_posix() for f in files]
    # every file once, whatever links lead to it
    assert sorted(names) == ["a/x.md", "b/y.PDF", "b/z.txt", "p.html", "r.docx"]
    messages = [m for _, m in errors]
    assert any("符号链接循环" in m and "loop" in m for m in messages)
    assert len(errors) == 2  # the loop back to the root and the self-link


def test_walk_reports_bad_paths(tmp_path: Path) -> None:
    good = tmp_path / "ok.txt"
    good.write_text("ok", encoding="utf-8")
    bad = tmp_path / "data.csv"
    bad.write_text("1", encoding="utf-8")
    files, errors = iter_report_files([good, tmp_path / "missing.txt", bad, str(good)])
    assert files == [good]
    assert [p.name for p, _ in errors] == ["missing.txt", "data.csv"]
    assert "文件不存在" in errors[0][1] and "不支持的文件类型" in errors[1][1]
    assert "file not found" in errors[0][1]
