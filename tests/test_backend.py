"""The embedding backend (REPORTQA_EMBED_BACKEND): settings, the OpenVINO export and its
quality check, the backend an index records, and the telemetry opt-out."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.errors import ConfigError, ModelMismatchError
from rag.factory import _backend_model, check_index_backend, make_chroma_client
from rag.ovexport import (
    EXPORT_VERSION,
    MARKER_NAME,
    MIN_COSINE,
    ExportStatus,
    backends_agree,
    check_queries,
    export_status,
    openvino_dir,
    opt_out_telemetry,
    report_passages,
)
from rag.settings import (
    DEFAULT_EMBED_BACKEND,
    EMBED_BACKENDS,
    EmbeddingSettings,
    Paths,
    Settings,
    from_env,
    parse_backend,
)
from rag.store import read_generation
from tests.conftest import CORPUS, REPORT_TXT, REPORTQA, env_for
from tests.fakes import HashEmbeddings

# Questions of our own about the seed report's subject (not eval items).
QUESTIONS = (
    "这份报告主要讲了什么？",
    "科技保险目前面临哪些问题？",
    "报告提出了哪些政策建议",
    "保费收入增长了多少",
    "哪些地区开展了试点",
    "第一部分的主要内容",
    "报告是哪个机构发布的",
    "科技企业的风险保障需求有什么特点",
)


def test_backend_setting_is_parsed_and_bad_values_explained() -> None:
    assert parse_backend("") == DEFAULT_EMBED_BACKEND
    assert parse_backend(" OpenVINO-int8 ") == "openvino-int8"
    assert from_env({"REPORTQA_EMBED_BACKEND": "torch"}).embedding.backend == "torch"
    assert from_env({}).embedding.backend == DEFAULT_EMBED_BACKEND
    with pytest.raises(ValueError, match="REPORTQA_EMBED_BACKEND 只能是"):
        parse_backend("cuda")


def test_cli_names_a_bad_backend_without_a_traceback(tmp_path: Path) -> None:
    env = env_for(tmp_path / "home", tmp_path / "models")
    env["REPORTQA_EMBED_BACKEND"] = "onnx-gpu"
    done = subprocess.run([*REPORTQA, "list"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：REPORTQA_EMBED_BACKEND")
    assert "Traceback" not in done.stderr


def test_telemetry_opt_out_is_written_once_and_respects_a_choice(tmp_path: Path) -> None:
    consent = opt_out_telemetry(tmp_path)
    assert consent == tmp_path / "intel" / "openvino_telemetry"
    assert consent.read_text(encoding="utf-8") == "0"
    assert sorted(p.name for p in (tmp_path / "intel").iterdir()) == ["openvino_telemetry"]
    consent.write_text("1", encoding="utf-8")  # the user opted in explicitly elsewhere
    opt_out_telemetry(tmp_path)
    assert consent.read_text(encoding="utf-8") == "1"
    consent.write_text("", encoding="utf-8")  # empty: no choice recorded
    opt_out_telemetry(tmp_path)
    assert consent.read_text(encoding="utf-8") == "0"
    assert opt_out_telemetry(tmp_path / "missing") is None


def test_backends_agree_by_their_angles_to_torch() -> None:
    torch_ = ExportStatus("torch", True, 1.0)
    close = ExportStatus("openvino", True, 0.99999)
    rough = ExportStatus("openvino-int8", True, 0.995)
    assert backends_agree(torch_, close) and backends_agree(close, close)
    assert backends_agree(torch_, rough)
    # each 0.995 from torch: together they may be further apart than 0.99
    assert not backends_agree(rough, rough)
    assert not backends_agree(torch_, ExportStatus("openvino-int8", True, 0.98))
    assert not backends_agree(torch_, ExportStatus("openvino", False, None))


def test_calibration_passages_and_queries_come_from_the_report() -> None:
    passages = report_passages(CORPUS, limit=50)
    assert len(passages) == 50
    text = REPORT_TXT.read_text(encoding="utf-8")
    assert all(8 <= len(p) <= 400 for p in passages)
    flat = re.sub(r"\s", "", text)
    assert all(re.sub(r"\s", "", p)[:30] in flat for p in passages)
    queries = check_queries(passages, count=10)
    assert 5 <= len(queries) <= 10 and all(0 < len(q) <= 40 for q in queries)


def _fake_export(models: Path, cosines: dict[str, float]) -> Path:
    """A converted folder and an export marker with the given check results."""
    converted = models / "multilingual-e5-small"
    converted.mkdir(parents=True)
    (converted / "reportqa_converted.json").write_text('{"stamp": 1}', encoding="utf-8")
    export = openvino_dir(converted)
    (export / "openvino").mkdir(parents=True)
    files = {"openvino": "openvino_model", "openvino-int8": "openvino_model_qint8"}
    for backend in cosines:
        for suffix in (".xml", ".bin"):
            (export / "openvino" / (files[backend] + suffix)).write_bytes(b"x")
    marker = {
        "export_version": EXPORT_VERSION,
        "source": '{"stamp": 1}',
        "backends": {b: {"min_cosine": c, "passes": c >= MIN_COSINE} for b, c in cosines.items()},
    }
    (export / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")
    return converted


def test_export_status_follows_the_marker_and_the_converted_model(tmp_path: Path) -> None:
    converted = _fake_export(tmp_path, {"openvino": 0.99999, "openvino-int8": 0.985})
    assert export_status(converted, "openvino").passes
    int8 = export_status(converted, "openvino-int8")
    assert int8.ready and not int8.passes
    # reconverted model: the export is stale until `make model` runs again
    (converted / "reportqa_converted.json").write_text('{"stamp": 2}', encoding="utf-8")
    assert not export_status(converted, "openvino").ready
    assert export_status(converted, "torch").passes


def test_missing_or_failed_export_names_what_to_run(tmp_path: Path) -> None:
    paths = Paths(home=tmp_path / "home", models_override=tmp_path / "models")
    converted = paths.converted_e5_dir
    with pytest.raises(ConfigError, match="make model"):
        _backend_model(EmbeddingSettings(backend="openvino"), paths, converted)
    shutil.rmtree(tmp_path / "models", ignore_errors=True)
    _fake_export(tmp_path / "models", {"openvino": 0.99999, "openvino-int8": 0.985})
    name, kwargs = _backend_model(EmbeddingSettings(backend="openvino"), paths, converted)
    assert name == str(openvino_dir(converted)) and kwargs == {"xml_name": "openvino_model.xml"}
    with pytest.raises(ConfigError, match="未通过质量检查"):
        _backend_model(EmbeddingSettings(backend="openvino-int8"), paths, converted)
    with pytest.raises(ConfigError, match="REPORTQA_EMBED_BACKEND=torch"):
        _backend_model(
            EmbeddingSettings(model="/some/other/model", backend="openvino"), paths, converted
        )


def test_a_question_backend_far_from_the_index_gets_a_clear_message(tmp_path: Path) -> None:
    paths = Paths(home=tmp_path / "home", models_override=tmp_path / "models")
    _fake_export(tmp_path / "models", {"openvino": 0.99999, "openvino-int8": 0.985})
    # fp32 OpenVINO against a torch index (or an index from before backends were recorded)
    check_index_backend("torch", EmbeddingSettings(backend="openvino"), paths)
    check_index_backend("", EmbeddingSettings(backend="openvino"), paths)
    check_index_backend("openvino", EmbeddingSettings(backend="torch"), paths)
    with pytest.raises(ModelMismatchError) as caught:
        check_index_backend("openvino", EmbeddingSettings(backend="openvino-int8"), paths)
    message = str(caught.value)
    assert "reportqa ingest corpus/" in message and "REPORTQA_EMBED_BACKEND=openvino" in message


def test_the_index_records_its_backend_and_reembeds_when_it_changes(tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT_TXT, corpus / REPORT_TXT.name)
    base = Settings(paths=Paths(home=tmp_path / "home"))
    settings = replace(base, embedding=replace(base.embedding, model="fake", backend="torch"))
    client = make_chroma_client(settings.index, settings.paths)
    embedded: list[str] = []

    def embed(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return HashEmbeddings(dim=16).embed_documents(texts)

    first = ingest_paths([corpus], settings, client=client, embed_factory=lambda: embed)
    generation = read_generation(client, "reportqa")
    assert generation is not None and generation.backend == "torch"
    again = ingest_paths([corpus], settings, client=client, embed_factory=lambda: embed)
    assert not again.changed
    switched = replace(settings, embedding=replace(settings.embedding, backend="openvino"))
    third = ingest_paths([corpus], switched, client=client, embed_factory=lambda: embed)
    assert third.changed and third.embedded == first.chunks
    generation = read_generation(client, "reportqa")
    assert generation is not None and generation.backend == "openvino"


# ----------------------------------------------------------------- real models


def _report_sentences(count: int = 120) -> list[str]:
    text = REPORT_TXT.read_text(encoding="utf-8")
    sentences = [s.strip() for s in re.split(r"(?<=[。！？])", text) if len(s.strip()) >= 10]
    step = max(1, len(sentences) // count)
    return sentences[::step][:count]


def _encode(model: Any, texts: list[str], prompt: str) -> np.ndarray:
    return np.asarray(
        model.encode(texts, prompt=prompt, normalize_embeddings=True, batch_size=32),
        dtype=np.float32,
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", [b for b in EMBED_BACKENDS if b != "torch"])
def test_openvino_backends_match_torch_or_refuse(backend: str, shared_models_dir: Path) -> None:
    """Cosine >= 0.99 to fp32 torch on report sentences and questions, or the backend
    refuses to load (its export recorded a failed check)."""
    from sentence_transformers import SentenceTransformer

    from rag.ovexport import load_openvino

    converted = shared_models_dir / "multilingual-e5-small"
    status = export_status(converted, backend)
    assert status.ready, "make model exports every OpenVINO variant"
    paths = Paths(home=shared_models_dir / "unused-home", models_override=shared_models_dir)
    if not status.passes:
        with pytest.raises(ConfigError, match="未通过质量检查"):
            _backend_model(EmbeddingSettings(backend=backend), paths, converted)
        pytest.skip(f"{backend} failed its quality check at export ({status.min_cosine})")
    sentences = _report_sentences()
    reference = SentenceTransformer(str(converted), device="cpu", local_files_only=True)
    model = load_openvino(openvino_dir(converted), backend)
    for texts, prompt in ((sentences, "passage: "), (list(QUESTIONS), "query: ")):
        cosines = (_encode(reference, texts, prompt) * _encode(model, texts, prompt)).sum(axis=1)
        assert float(cosines.min()) >= MIN_COSINE, (backend, prompt, float(cosines.min()))


@pytest.mark.slow
def test_loading_the_openvino_backend_sends_and_keeps_nothing(
    tmp_path: Path, shared_models_dir: Path
) -> None:
    """With HOME empty, embedding through OpenVINO leaves only the opt-out behind."""
    code = (
        "from pathlib import Path\n"
        "from rag.factory import make_embeddings\n"
        "from rag.settings import EmbeddingSettings, Paths\n"
        f"paths = Paths(home=Path({str(tmp_path / 'home')!r}), "
        f"models_override=Path({str(shared_models_dir)!r}))\n"
        "e = make_embeddings(EmbeddingSettings(backend='openvino'), paths)\n"
        "print(len(e.embed_query('科技保险')))\n"
    )
    env = env_for(tmp_path / "home", shared_models_dir)
    env["HOME"] = str(tmp_path / "user")
    (tmp_path / "user").mkdir()
    done = subprocess.run(
        [REPORTQA[0], "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("384")
    left = sorted(
        p.relative_to(tmp_path / "user").as_posix() for p in (tmp_path / "user").rglob("*")
    )
    assert left == ["intel", "intel/openvino_telemetry"], left


@pytest.mark.slow
def test_the_default_export_stores_only_the_token_table_int8(shared_models_dir: Path) -> None:
    """The token-embedding table (most of e5's weights) is int8; the layers stay fp32,
    which measured as fast as fp32 while int8 MatMuls were 1.5x slower on this CPU."""
    import openvino as ov

    from rag.ovexport import OV_FILES

    converted = shared_models_dir / "multilingual-e5-small"
    xml = openvino_dir(converted) / "openvino" / OV_FILES["openvino"]
    model = ov.Core().read_model(xml)
    constants = [op for op in model.get_ops() if op.get_type_name() == "Constant"]
    int8_sizes = sorted(
        int(np.prod(c.get_output_shape(0)))
        for c in constants
        if c.get_element_type().get_type_name() in ("u8", "i8")
    )
    assert int8_sizes and int8_sizes[-1] >= 250_000 * 384, int8_sizes[-3:]
    matmul_weights = [
        op.input_value(1).get_node()
        for op in model.get_ops()
        if op.get_type_name() == "MatMul"
        and op.input_value(1).get_node().get_type_name() == "Constant"
    ]
    assert matmul_weights and all(
        w.get_element_type().get_type_name() == "f32" for w in matmul_weights
    )


@pytest.mark.slow
def test_length_sorted_batches_keep_each_text_its_own_vector(shared_models_dir: Path) -> None:
    """Batching by token length pads less, and every text still gets the vector it
    gets alone, in the order given."""
    from rag.ovexport import load_openvino

    encoder = load_openvino(openvino_dir(shared_models_dir / "multilingual-e5-small"), "openvino")
    texts = [QUESTIONS[0], "保" * 600, QUESTIONS[1], "科技", *_report_sentences()[:5]]
    together = encoder.encode(texts, prompt="passage: ", batch_size=3)
    alone = np.stack([encoder.encode([t], prompt="passage: ", batch_size=1)[0] for t in texts])
    assert together.shape == (len(texts), 384)
    assert float((together * alone).sum(axis=1).min()) > 0.9999
    assert len(encoder.tokenizer(["保" * 600])["input_ids"][0]) == 512  # truncated as e5 is


@pytest.mark.slow
def test_questions_embedded_at_once_from_several_threads_each_get_their_own_vector(
    shared_models_dir: Path,
) -> None:
    """The web app answers questions on several threads over one encoder: none may fail
    (「Infer Request is busy」) or get another question's vector."""
    from concurrent.futures import ThreadPoolExecutor

    from rag.ovexport import load_openvino

    encoder = load_openvino(openvino_dir(shared_models_dir / "multilingual-e5-small"), "openvino")
    texts = [*QUESTIONS, *_report_sentences()[:6]] * 3
    alone = {t: encoder.encode([t], prompt="query: ")[0] for t in set(texts)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        vectors = list(pool.map(lambda t: encoder.encode([t], prompt="query: ")[0], texts))
    assert min(float(v @ alone[t]) for t, v in zip(texts, vectors, strict=True)) > 0.9999


@pytest.mark.slow
def test_an_ingest_embeds_on_every_core_and_a_question_on_its_threads(
    tmp_path: Path, shared_models_dir: Path
) -> None:
    """Batches of passages use every core; a question runs on the backend's measured
    threads (OpenVINO: every core) unless `query_threads` says otherwise."""
    import os

    from rag.factory import make_embeddings

    paths = Paths(home=tmp_path / "home", models_override=shared_models_dir)

    def threads(embeddings: Any) -> int:
        return int(embeddings._client._compiled.get_property("INFERENCE_NUM_THREADS"))

    # OpenVINO counts physical cores; on any machine with two, every core is more than one
    every_core = min(2, len(os.sched_getaffinity(0)))
    pinned = EmbeddingSettings(backend="openvino", query_threads=1)
    assert threads(make_embeddings(pinned, paths)) == 1
    assert threads(make_embeddings(pinned, paths, for_ingest=True)) >= every_core
    assert threads(make_embeddings(EmbeddingSettings(backend="openvino"), paths)) >= every_core


def test_a_question_runs_on_the_threads_measured_for_its_backend() -> None:
    assert EmbeddingSettings(backend="torch").question_threads == 1
    assert EmbeddingSettings(backend="openvino").question_threads == 0  # every core
    assert EmbeddingSettings(backend="openvino-int8").question_threads == 0
    assert EmbeddingSettings(backend="openvino", query_threads=1).question_threads == 1
