"""The library functions behind the 报告库 panel (`ingest/library.py`): sanitised names,
uploads that parse before anything is stored, bad files that change nothing, listing,
removal, the ingest lock between two uploads, and generations kept for running questions.
Fake embeddings and a real embedded Chroma; no model."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ingest.index import ingest_lock
from ingest.library import (
    MAX_NAME_CHARS,
    UploadError,
    check_upload,
    ingest_busy,
    ingest_upload,
    list_reports,
    remove_library_report,
    reports_dir,
    sanitise_filename,
)
from rag.factory import make_chroma_client
from rag.settings import Paths, Settings
from rag.store import active_generation_name, read_generation
from tests import docgen
from tests.fakes import HashEmbeddings
from tests.questions import packaged_lexicon

MB = 1048576


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\win.PDF", "win.pdf"),
        ("/abs/path/report.md", "report.md"),
        ("2025 年 科技报告.pdf", "2025 年 科技报告.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a\x00b\nc.md", "abc.md"),
        ("<script>alert(1)</script>.html", "script.html"),
        ("a<b>c|d.md", "a_b_c_d.md"),
        ("..", "report"),
        ("", "report"),
        ("报告;rm -rf ~.docx", "报告_rm -rf.docx"),
    ],
)
def test_sanitise_filename(raw: str, safe: str) -> None:
    assert sanitise_filename(raw) == safe


def test_sanitised_names_stay_short_and_keep_their_suffix() -> None:
    name = sanitise_filename("长" * 400 + ".pdf")
    assert len(name) <= MAX_NAME_CHARS and name.endswith(".pdf")
    assert "/" not in sanitise_filename("a/../../b.txt")


def _settings(home: Path) -> Settings:
    settings = Settings(paths=Paths(home=home))
    return replace(settings, embedding=replace(settings.embedding, model="fake-model"))


class Library:
    """A test home with an embedded Chroma and counting fake embeddings."""

    def __init__(self, home: Path) -> None:
        self.settings = _settings(home)
        self.client = make_chroma_client(self.settings.index, self.settings.paths)
        self.embedded: list[str] = []
        self._fake = HashEmbeddings(dim=32)

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return self._fake.embed_documents(texts)

    def upload(self, path: Path, name: str | None = None, **kwargs: Any) -> Any:
        return ingest_upload(
            path,
            name or path.name,
            self.settings,
            client=self.client,
            embed_factory=lambda: self.embed,
            max_bytes=kwargs.pop("max_bytes", 50 * MB),
            **kwargs,
        )

    def generation(self) -> str:
        return active_generation_name(self.client, self.settings.index.collection_prefix)

    def stored(self) -> list[str]:
        folder = reports_dir(self.settings)
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def lib(tmp_path: Path) -> Library:
    return Library(tmp_path / "home")


@pytest.fixture
def paper_pdf(tmp_path: Path) -> Path:
    path = tmp_path / "upload" / "绿地 评估.pdf"
    path.parent.mkdir()
    docgen.make_paper_pdf(path)
    return path


def test_upload_stores_indexes_and_lists_the_report(lib: Library, paper_pdf: Path) -> None:
    seen: list[tuple[float, str]] = []
    done = lib.upload(paper_pdf, "../../绿地 评估.pdf", progress=lambda f, t: seen.append((f, t)))
    assert done.source == "绿地 评估.pdf" and done.title.startswith("城市绿地")
    assert done.pages >= 2 and done.chunks > 0 and done.seconds > 0 and not done.replaced
    assert lib.stored() == ["绿地 评估.pdf"]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] >= 0.9
    assert any("写入索引" in t for _, t in seen)
    (listed,) = list_reports(lib.settings, lib.client, packaged_lexicon())
    assert (listed.source, listed.title, listed.pages, listed.chunks) == (
        done.source,
        done.title,
        done.pages,
        done.chunks,
    )
    assert listed.ingested_at > 0
    # Examples come from the report's own headings, numbering dropped.
    assert any("研究区域与数据" in q for q in listed.examples), listed.examples
    # The unit vectors of the new generation were computed now, not at the first question.
    assert list(lib.settings.paths.index_dir.glob("units-*.npz"))


def test_reupload_replaces_and_second_report_reuses_unit_vectors(
    lib: Library, paper_pdf: Path, tmp_path: Path
) -> None:
    lib.upload(paper_pdf)
    first = len(lib.embedded)
    again = lib.upload(paper_pdf)
    assert again.replaced and len(lib.embedded) == first  # same content: nothing embedded
    other = tmp_path / "upload" / "养老.docx"
    docgen.make_paper_docx(other, docgen.PLAIN)
    lib.upload(other)
    new_texts = lib.embedded[first:]
    assert new_texts and not any("口袋公园" in t for t in new_texts)
    assert {r.source for r in list_reports(lib.settings, lib.client, packaged_lexicon())} == {
        paper_pdf.name,
        "养老.docx",
    }


def _bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(exist_ok=True)
    empty = folder / "empty.pdf"
    empty.write_bytes(b"")
    exe = folder / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    blank = folder / "blank.txt"
    blank.write_text(" \n\t\n", encoding="utf-8")
    big = folder / "big.txt"
    big.write_text("报告" * 40000, encoding="utf-8")
    broken = folder / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a docx")
    return {
        "encrypted": (docgen.make_encrypted_pdf(folder / "locked.pdf"), "加密"),
        "image-only": (docgen.make_image_only_pdf(folder / "scan.pdf"), "扫描件"),
        "zero bytes": (empty, "空文件"),
        "wrong extension": (exe, "不支持的文件类型"),
        "parses to nothing": (blank, "为空"),
        "over the limit": (big, "超过上限"),
        "broken docx": (broken, "错误"),
    }


def test_bad_files_get_a_chinese_error_and_change_nothing(
    lib: Library, paper_pdf: Path, tmp_path: Path
) -> None:
    lib.upload(paper_pdf)
    before = (lib.generation(), lib.stored())
    reports_before = read_generation(lib.client, lib.settings.index.collection_prefix)
    for kind, (path, words) in _bad_files(tmp_path / "bad").items():
        with pytest.raises(UploadError) as caught:
            lib.upload(path, max_bytes=64 * 1024)
        message = str(caught.value)
        assert message.startswith("错误：") and words in message, (kind, message)
        assert (lib.generation(), lib.stored()) == before, kind
    after = read_generation(lib.client, lib.settings.index.collection_prefix)
    assert reports_before is not None and after is not None
    assert after.reports == reports_before.reports
    assert not any(p.name.startswith(".") for p in reports_dir(lib.settings).iterdir())


def test_a_bad_new_version_keeps_the_old_file_and_report(lib: Library, tmp_path: Path) -> None:
    good = tmp_path / "notes.txt"
    good.write_text("一、总体情况\n今年新建了十二座图书馆，覆盖全部街道。\n", encoding="utf-8")
    lib.upload(good)
    bad = tmp_path / "bad" / "notes.txt"
    bad.parent.mkdir()
    bad.write_text("\n \n", encoding="utf-8")
    with pytest.raises(UploadError):
        lib.upload(bad)
    stored = reports_dir(lib.settings) / "notes.txt"
    assert "图书馆" in stored.read_text(encoding="utf-8")


def test_check_upload_accepts_each_supported_type(tmp_path: Path) -> None:
    for suffix in (".pdf", ".docx", ".md", ".html", ".txt"):
        path = tmp_path / f"x{suffix}"
        path.write_bytes(b"x")
        assert check_upload(path, f"报告{suffix.upper()}", MB) == f"报告{suffix}"


def test_remove_deletes_the_report_and_its_uploaded_file(lib: Library, paper_pdf: Path) -> None:
    done = lib.upload(paper_pdf)
    gone = remove_library_report(done.title, lib.settings, client=lib.client)
    assert gone.source == done.source
    assert list_reports(lib.settings, lib.client, packaged_lexicon()) == ()
    assert lib.stored() == []
    with pytest.raises(UploadError, match="没有这份报告"):
        remove_library_report(done.source, lib.settings, client=lib.client)


def test_remove_leaves_files_outside_the_reports_folder(lib: Library, tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.txt").write_text("一、概况\n本市共有公园二十座。\n", encoding="utf-8")
    ingest_paths([corpus], lib.settings, client=lib.client, embed_factory=lambda: lib.embed)
    remove_library_report("own.txt", lib.settings, client=lib.client)
    assert (corpus / "own.txt").exists()


def test_second_upload_waits_for_the_lock_with_a_message(lib: Library, paper_pdf: Path) -> None:
    messages: list[str] = []
    result: list[Any] = []
    lock_path = lib.settings.paths.index_dir / "ingest.lock"
    with ingest_lock(lock_path):
        assert ingest_busy(lib.settings)
        worker = threading.Thread(
            target=lambda: result.append(
                lib.upload(paper_pdf, progress=lambda f, t: messages.append(t))
            )
        )
        worker.start()
        deadline = time.monotonic() + 60
        while not any("排队等待" in m for m in messages) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("排队等待" in m for m in messages), messages
        time.sleep(0.5)
        assert not result  # still waiting for the lock
    worker.join(timeout=120)
    assert result and result[0].chunks > 0
    assert not ingest_busy(lib.settings)


def test_the_replaced_generation_is_kept_for_running_questions(
    lib: Library, paper_pdf: Path, tmp_path: Path
) -> None:
    lib.upload(paper_pdf)
    first = lib.generation()
    other = tmp_path / "more.txt"
    other.write_text("一、概况\n本市共有公园二十座。\n", encoding="utf-8")
    lib.upload(other)
    second = lib.generation()
    names = {c.name for c in lib.client.list_collections()}
    assert {first, second} <= names  # a question still on `first` can finish
    lib.upload(paper_pdf, "third.pdf")
    names = {c.name for c in lib.client.list_collections()}
    assert first not in names and second in names
