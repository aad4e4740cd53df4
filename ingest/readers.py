"""Bytes → text for report files, and the walk that finds report files in folders.

Chinese reports arrive as UTF-8 (with or without BOM), UTF-16 from Windows tools,
or GBK/GB18030 from older Chinese software. `read_text` decodes all of them and
fails with one exception class whose message is a single Chinese + English line.
"""

from __future__ import annotations

import codecs
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from charset_normalizer import from_bytes

REPORT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"})

# Sniffing a prefix is enough to tell text from binary and keeps huge files linear.
_SNIFF_BYTES = 64 * 1024
# The longest multi-byte sequence of UTF-8 and GB18030: a file cut mid-character
# ends in at most this many bytes of an incomplete sequence.
_MAX_CHAR_BYTES = 4

log = logging.getLogger("reportqa.ingest")


class ReadError(Exception):
    """A report file that cannot be read, with a one-line Chinese + English reason."""

    def __init__(self, path: Path | str, message_zh: str, message_en: str = "") -> None:
        self.path = Path(path)
        self.message_zh = message_zh
        self.message_en = message_en
        text = f"{message_zh}（{message_en}）" if message_en else message_zh
        self.reason = text  # without the path, for output that already names the file
        super().__init__(f"{text}：{self.path}")


def _decode_bom(data: bytes) -> str | None:
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _has_bom(data: bytes) -> bool:
    return data.startswith(
        (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)
    )


def _bomless_utf16(data: bytes) -> str | None:
    """BOM-less UTF-16 (rare, some exporters): NULs sit mostly in one byte lane."""
    if len(data) % 2:
        return None
    head = data[:_SNIFF_BYTES]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = max(1, len(head) // 2)
    # ASCII-heavy UTF-16 has a NUL in nearly every second byte; CJK-only text has
    # few NULs at all, so this only rescues the ASCII-heavy case and binary stays binary.
    if odd / half > 0.3 and even == 0:
        codec = "utf-16-le"
    elif even / half > 0.3 and odd == 0:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_truncated(
    data: bytes, codec: str, exc: UnicodeDecodeError, path: Path | str
) -> str | None:
    """A file cut mid-character (an interrupted copy or download) is still text.

    Only an incomplete sequence in the last few bytes qualifies; anything earlier
    means another encoding (or binary). The lost character is logged, not silent.
    """
    # "unexpected end of data": the sequence is valid so far, only its end is missing.
    # (A GBK file read as UTF-8 fails with "invalid continuation byte" instead.)
    if exc.reason not in ("unexpected end of data", "incomplete multibyte sequence"):
        return None
    if exc.start < len(data) - _MAX_CHAR_BYTES or exc.start == 0:
        return None
    try:
        text = data[: exc.start].decode(codec)
    except UnicodeDecodeError:
        return None
    log.warning(
        "文件末尾有不完整的字符（文件可能被截断），已忽略最后 %d 个字节：%s",
        len(data) - exc.start,
        path,
    )
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b")
    return controls > max(8, len(sample) // 100)


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode report bytes: BOM, then strict UTF-8, then GB18030, then charset-normalizer.

    GB18030 is a superset of GBK and GB2312, so one strict attempt covers all three.
    Line ends are normalised to "\\n". Raises `ReadError` for empty or binary data.
    """
    if not data.strip():
        raise ReadError(path, "文件为空", "file is empty")
    text = _decode_bom(data) if _has_bom(data) else None
    if text is None and b"\x00" in data[:_SNIFF_BYTES]:
        text = _bomless_utf16(data)
        if text is None:
            raise ReadError(path, "不是文本文件（含二进制内容）", "binary file, not text")
    if text is None:
        for codec in ("utf-8", "gb18030"):
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError as exc:
                text = _decode_truncated(data, codec, exc, path)
                if text is not None:
                    break
    if text is None:
        best = from_bytes(data).best()
        text = str(best) if best is not None else None
    if text is None or _looks_binary(text):
        raise ReadError(path, "不是文本文件（无法识别编码）", "binary or undecodable file")
    # str.replace is linear, so a multi-megabyte single line costs nothing extra.
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise ReadError(path, "文件为空", "file is empty")
    return text


def read_text(path: Path) -> str:
    """Read a text report (TXT / MD / HTML) as a str with "\\n" line ends.

    Raises `ReadError` for a missing path, a directory, no read permission, an
    empty file, and binary or undecodable content.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ReadError(path, "文件不存在", "file not found") from None
    except PermissionError:
        raise ReadError(path, "没有读取权限", "permission denied") from None
    except OSError as exc:
        raise ReadError(path, f"无法访问文件：{exc.strerror}", "cannot access file") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError(path, "这是文件夹，不是文件", "is a directory, not a file")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ReadError(path, "没有读取权限", "permission denied") from None
    except IsADirectoryError:
        raise ReadError(path, "这是文件夹，不是文件", "is a directory, not a file") from None
    except OSError as exc:
        raise ReadError(path, f"无法读取文件：{exc.strerror}", "cannot read file") from None
    return decode_bytes(data, path)


def _is_hidden(name: str) -> bool:
    # "~$x.docx" are Office lock files, not reports.
    return name.startswith((".", "~$"))


def iter_report_files(
    paths: Iterable[Path | str],
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into the report files to ingest.

    Folders are walked recursively in sorted order, hidden entries are skipped,
    files with other suffixes inside folders are ignored (e.g. `.meta.json`
    sidecars), and symlinked folders are followed only once: a link back to a
    folder being walked is a loop and is reported, not entered.
    Problems come back as (path, one-line Chinese + English message) pairs
    instead of being raised.
    """
    files: list[Path] = []
    # Collected as ReadErrors so every message is built the same way as read_text's.
    errors: list[ReadError] = []
    seen_files: set[Path] = set()
    seen_dirs: set[Path] = set()

    def add_file(path: Path, explicit: bool) -> None:
        if path.suffix.lower() not in REPORT_SUFFIXES:
            if explicit:
                errors.append(
                    ReadError(
                        path, f"不支持的文件类型 {path.suffix or '（无后缀）'}", "unsupported"
                    )
                )
            return
        resolved = path.resolve()
        if resolved not in seen_files:
            seen_files.add(resolved)
            files.append(path)

    def walk(folder: Path, ancestors: frozenset[Path]) -> None:
        resolved = folder.resolve()
        if resolved in ancestors:
            errors.append(ReadError(folder, "符号链接循环，已跳过", "symlink loop skipped"))
            return
        if resolved in seen_dirs:  # a second link to a folder already walked
            return
        seen_dirs.add(resolved)
        ancestors = ancestors | {resolved}
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except PermissionError:
            errors.append(ReadError(folder, "没有读取权限", "permission denied"))
            return
        except OSError as exc:
            errors.append(ReadError(folder, f"无法读取文件夹：{exc.strerror}", "cannot list"))
            return
        for entry in entries:
            if _is_hidden(entry.name):
                continue
            child = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symlinks; loops are caught by `seen_dirs`
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                walk(child, ancestors)
            elif is_file:
                add_file(child, explicit=False)
            elif entry.is_symlink():
                errors.append(ReadError(child, "符号链接指向不存在的文件", "broken symlink"))

    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                walk(path, frozenset())
            elif path.is_file():
                add_file(path, explicit=True)
            elif path.is_symlink():
                errors.append(ReadError(path, "符号链接指向不存在的文件", "broken symlink"))
            else:
                errors.append(ReadError(path, "文件不存在", "file not found"))
        except OSError as exc:
            errors.append(ReadError(path, f"无法访问：{exc.strerror}", "cannot access"))
    return files, [(e.path, str(e)) for e in errors]
