"""Export the converted e5-small to OpenVINO once, at set-up, beside the converted folder.

optimum-intel exports the model (sentence-transformers' `backend="openvino"` format);
rag/ovembed.py runs it about twice as fast as torch on this CPU, without importing
torch. The export is done once by `make model` (`python -m rag.ovexport`), never when a
question is asked:

- `<models>/multilingual-e5-small-openvino/` holds the tokenizer and configs copied from
  the converted folder, and `openvino/openvino_model.xml` (fp32 layers; only the
  250k-row token-embedding table is stored int8, weight-only: it is 82% of the weights,
  and compiled fp32 it costs ~360 MB of resident memory for a cosine gain of 0.00001) and
  `openvino/openvino_model_qint8.xml` (NNCF int8 weights and activations, calibrated on
  passages of the seed report, no hub data set);
- `reportqa_openvino.json`, written last, records which converted model it came from and
  the quality check: the lowest cosine of each variant to fp32 torch over report passages
  and queries. A variant under `MIN_COSINE` is recorded as failed and refuses to load.

OpenVINO's and NNCF's telemetry sends usage data unless the user opted out; reportqa is
offline, so `opt_out_telemetry` writes the opt-out (what `opt_in_out --opt_out` writes,
without sending its opt-out event) before anything imports openvino.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.e5convert import MARKER_NAME as CONVERTED_MARKER
from rag.e5convert import _conversion_lock, ensure_e5_model
from rag.settings import EMBED_BACKENDS, Paths, default_home
from rag.tokenize import ensure_jieba_cache

EXPORT_VERSION = 4
MARKER_NAME = "reportqa_openvino.json"
# The quality bar of an embedding backend: the lowest cosine to fp32 torch (issue 18).
MIN_COSINE = 0.99
# The file each OpenVINO backend loads, inside `<export>/openvino/`.
OV_FILES = {"openvino": "openvino_model.xml", "openvino-int8": "openvino_model_qint8.xml"}
CALIBRATION_PASSAGES = 300
CHECK_QUERIES = 60
PASSAGE_CHARS = 200  # the chunker's size (ChunkSettings.max_chars)


@dataclass(frozen=True)
class ExportStatus:
    """What the export marker says about one backend."""

    backend: str
    ready: bool
    min_cosine: float | None  # to fp32 torch; None when not measured

    @property
    def passes(self) -> bool:
        return self.ready and self.min_cosine is not None and self.min_cosine >= MIN_COSINE


def openvino_dir(converted_dir: Path) -> Path:
    """The export folder, a sibling of the converted model folder."""
    return converted_dir.parent / f"{converted_dir.name}-openvino"


def opt_out_telemetry(home: Path | None = None) -> Path | None:
    """Record the OpenVINO telemetry opt-out unless the user already chose.

    openvino-telemetry (used by openvino's converter and NNCF) treats a missing consent
    file as consent and then writes a client id and sends events. Writing "0" to
    `~/intel/openvino_telemetry` is its documented opt-out; an explicit earlier choice
    of the user's is left as it is. Returns the consent file, or None if unwritable.
    """
    base = home if home is not None else Path.home()
    if not base.is_dir():
        return None
    consent = base / "intel" / "openvino_telemetry"
    try:
        if consent.is_file() and consent.read_text(encoding="utf-8").strip() in ("0", "1"):
            return consent
        consent.parent.mkdir(exist_ok=True)
        consent.write_text("0", encoding="utf-8")
    except OSError:
        return None
    return consent


def read_marker(export_dir: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((export_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _source_stamp(converted_dir: Path) -> str:
    """Identifies the converted model an export was made from (its marker's content)."""
    try:
        return (converted_dir / CONVERTED_MARKER).read_text(encoding="utf-8")
    except OSError:
        return ""


def export_status(converted_dir: Path, backend: str) -> ExportStatus:
    """Whether `backend`'s export exists, matches `converted_dir` and passed the check."""
    if backend == "torch":
        return ExportStatus(backend, ready=True, min_cosine=1.0)
    export_dir = openvino_dir(converted_dir)
    marker = read_marker(export_dir)
    if (
        marker is None
        or marker.get("export_version") != EXPORT_VERSION
        or marker.get("source") != _source_stamp(converted_dir)
    ):
        return ExportStatus(backend, ready=False, min_cosine=None)
    entry = marker.get("backends", {}).get(backend)
    if not isinstance(entry, dict):
        return ExportStatus(backend, ready=False, min_cosine=None)
    xml = export_dir / "openvino" / OV_FILES[backend]
    ready = xml.is_file() and xml.with_suffix(".bin").is_file()
    cosine = entry.get("min_cosine")
    return ExportStatus(backend, ready, float(cosine) if cosine is not None else None)


def backends_agree(a: ExportStatus, b: ExportStatus) -> bool:
    """True when vectors of `a` and `b` are bound to have cosine >= MIN_COSINE.

    Each was measured against torch; the angle between them is at most the sum of
    their angles to torch.
    """
    if a.min_cosine is None or b.min_cosine is None:
        return False
    angle = math.acos(min(1.0, a.min_cosine)) + math.acos(min(1.0, b.min_cosine))
    return angle <= math.acos(MIN_COSINE)


# ------------------------------------------------------------------ texts


def report_passages(corpus_dir: Path, limit: int = CALIBRATION_PASSAGES) -> list[str]:
    """Chunk-sized passages of the seed reports (text files under `corpus_dir`).

    Calibration and the quality check use the project's own reports, not a hub data
    set. Sentences are packed up to the chunker's size; passages are spread evenly
    over the reports so the whole text is represented.
    """
    passages: list[str] = []
    for path in sorted(corpus_dir.glob("*")):
        if path.suffix.lower() not in (".txt", ".md") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        current = ""
        for sentence in re.split(r"(?<=[。！？；\n])", text):
            sentence = sentence.strip()
            if not sentence:
                continue
            if current and len(current) + len(sentence) > PASSAGE_CHARS:
                passages.append(current)
                current = ""
            current += sentence
        if current:
            passages.append(current)
    passages = [p for p in passages if len(p) >= 8]
    if len(passages) <= limit:
        return passages
    step = len(passages) / limit
    return [passages[int(i * step)] for i in range(limit)]


def check_queries(passages: Sequence[str], count: int = CHECK_QUERIES) -> list[str]:
    """Question-sized texts: the opening clause of spread-out passages."""
    if not passages:
        return []
    step = max(1, len(passages) // count)
    out = []
    for passage in passages[::step][:count]:
        clause = re.split(r"[，。；：,;:]", passage, maxsplit=1)[0]
        out.append((clause or passage)[:40])
    return out


# ------------------------------------------------------------------ export


def _quantize(xml: Path, out_xml: Path, calibration: list[dict[str, Any]]) -> None:
    # heavy: only at set-up
    import nncf
    import openvino as ov

    core = ov.Core()
    # MIXED (symmetric weights, asymmetric activations): the default PERFORMANCE preset
    # measured a lowest cosine of 0.9899 to torch, MIXED with queries in the calibration
    # set 0.998 (seed report passages and queries, rag/ovexport.py's check).
    quantized = nncf.quantize(
        core.read_model(xml),
        nncf.Dataset(calibration),
        model_type=nncf.ModelType.TRANSFORMER,
        preset=nncf.QuantizationPreset.MIXED,
        subset_size=len(calibration),
    )
    ov.save_model(quantized, out_xml, compress_to_fp16=False)


def _calibration_inputs(
    tokenizer: Any, passages: list[str], queries: list[str]
) -> list[dict[str, Any]]:
    """One model input per calibration text (report passages and queries, prompted)."""
    calibration = []
    texts = [f"passage: {p}" for p in passages] + [f"query: {q}" for q in queries]
    for text in texts:
        enc = tokenizer([text], return_tensors="np", truncation=True, max_length=512)
        calibration.append(
            {k: np.asarray(enc[k], dtype=np.int64) for k in ("input_ids", "attention_mask")}
        )
    return calibration


def _copy_tokenizer_and_configs(converted_dir: Path, tmp: Path) -> None:
    """Everything of the converted folder but its torch weights, into the export."""
    tmp.mkdir(parents=True)
    for path in converted_dir.rglob("*"):
        if path.is_file() and path.name not in ("model.safetensors", CONVERTED_MARKER):
            target = tmp / path.relative_to(converted_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    _stamp_config(tmp / "config.json")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _swap_into_place(tmp: Path, export_dir: Path, prefix: str) -> None:
    """Replace `export_dir` by the finished `tmp` (renames, so readers never see half)."""
    if export_dir.exists():
        trash = export_dir.parent / f"{prefix}old-{uuid.uuid4().hex[:8]}"
        os.replace(export_dir, trash)
        os.replace(tmp, export_dir)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(tmp, export_dir)


def _compress_embedding_table(xml: Path) -> None:
    """Store the token-embedding table int8 (weight-only, asymmetric), in place.

    Measured on this machine (seed passages and queries): the resident size of the
    compiled model fell from 606 MB to 243 MB, query and batch speed were unchanged
    (12.3 vs 13.1 ms, 21.6 vs 21.5 passages/s) and the lowest cosine to torch stayed
    0.99998. Compressing the MatMul weights too (all int8) made queries 1.5x slower on
    this CPU, so they stay fp32.
    """
    # heavy: only at set-up
    import nncf
    import openvino as ov

    core = ov.Core()
    compressed = nncf.compress_weights(
        core.read_model(xml),
        mode=nncf.CompressWeightsMode.INT8_ASYM,
        ignored_scope=nncf.IgnoredScope(types=["MatMul"]),
    )
    staged = xml.with_name(f"staged-{xml.name}")
    ov.save_model(compressed, staged, compress_to_fp16=False)
    del compressed
    os.replace(staged.with_suffix(".bin"), xml.with_suffix(".bin"))
    os.replace(staged, xml)


def _encode_all(model: Any, passages: list[str], queries: list[str]) -> tuple[Any, Any]:
    kwargs = {"normalize_embeddings": True, "batch_size": 32, "convert_to_numpy": True}
    return (
        model.encode(passages, prompt="passage: ", **kwargs),
        model.encode(queries, prompt="query: ", **kwargs),
    )


def _min_cosine(reference: tuple[Any, Any], other: tuple[Any, Any]) -> float:
    lows = [float((r * o).sum(axis=1).min()) for r, o in zip(reference, other, strict=True)]
    return min(lows)


def _stamp_config(config_path: Path) -> None:
    """Record the transformers version in the copied config.json.

    transformers 5.5 takes a local tokenizer whose config.json names no version for a
    Mistral one and warns about "incorrect tokenization" on every load; the token ids
    are the same either way (checked against transformers 5.24).
    """
    import transformers  # heavy (~1 s): only at set-up, loaded by the export anyway

    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.setdefault("transformers_version", transformers.__version__)
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def export_openvino(converted_dir: Path, corpus_dir: Path, int8: bool = True) -> Path:
    """Export `converted_dir` to OpenVINO (fp32, and int8 when `int8`), check, and record.

    Written into a temporary sibling and renamed into place, marker last.
    """
    opt_out_telemetry()
    # heavy: only at set-up
    from optimum.intel import OVModelForFeatureExtraction
    from sentence_transformers import SentenceTransformer

    export_dir = openvino_dir(converted_dir)
    prefix = f".{export_dir.name}.tmp-"
    for stale in export_dir.parent.glob(prefix + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = export_dir.parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    passages = report_passages(corpus_dir)
    if not passages:
        raise FileNotFoundError(f"{corpus_dir} 里没有可用于校准的报告文本（.txt/.md）")
    queries = check_queries(passages)
    try:
        _copy_tokenizer_and_configs(converted_dir, tmp)
        OVModelForFeatureExtraction.from_pretrained(
            str(converted_dir), export=True, compile=False
        ).save_pretrained(tmp / "openvino")

        torch_model = SentenceTransformer(str(converted_dir), device="cpu", local_files_only=True)
        reference = _encode_all(torch_model, passages, queries)
        backends: dict[str, dict[str, Any]] = {}
        variants = ["openvino", "openvino-int8"] if int8 else ["openvino"]
        if int8:
            calibration = _calibration_inputs(torch_model.tokenizer, passages, queries)
            started = time.perf_counter()
            _quantize(
                tmp / "openvino" / OV_FILES["openvino"],
                tmp / "openvino" / OV_FILES["openvino-int8"],
                calibration,
            )
            backends["openvino-int8"] = {
                "quantize_seconds": round(time.perf_counter() - started, 1)
            }
        del torch_model
        _compress_embedding_table(tmp / "openvino" / OV_FILES["openvino"])
        for backend in variants:
            model = load_openvino(tmp, backend, threads=0)
            cosine = _min_cosine(reference, _encode_all(model, passages, queries))
            backends.setdefault(backend, {})["min_cosine"] = round(cosine, 6)
            backends[backend]["passes"] = cosine >= MIN_COSINE
        marker = {
            "export_version": EXPORT_VERSION,
            "source": _source_stamp(converted_dir),
            "check": {"passages": len(passages), "queries": len(queries), "min": MIN_COSINE},
            "backends": backends,
        }
        _write_json(tmp / MARKER_NAME, marker)
        _swap_into_place(tmp, export_dir, prefix)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return export_dir


def ensure_openvino_model(converted_dir: Path, corpus_dir: Path, int8: bool = True) -> Path:
    """Return the export folder, exporting first when missing or made from another model.

    Idempotent: an export whose marker matches the converted model is left alone.
    """
    wanted = ["openvino", "openvino-int8"] if int8 else ["openvino"]
    if all(export_status(converted_dir, b).ready for b in wanted):
        return openvino_dir(converted_dir)
    export_dir = openvino_dir(converted_dir)
    with _conversion_lock(export_dir):
        if all(export_status(converted_dir, b).ready for b in wanted):
            return export_dir
        return export_openvino(converted_dir, corpus_dir, int8=int8)


def load_openvino(export_dir: Path, backend: str, threads: int = 1) -> Any:
    """The encoder (rag.ovembed.OpenVINOEncoder) that answers questions with `backend`'s
    export; never exports."""
    opt_out_telemetry()
    from rag.ovembed import OpenVINOEncoder  # heavy: langchain_core, tokenizers

    return OpenVINOEncoder(export_dir, OV_FILES[backend], threads)


def main(argv: list[str] | None = None) -> int:
    """`python -m rag.ovexport [CONVERTED_DIR [CORPUS_DIR]]`: convert, export, check; and
    jieba's dictionary cache beside the models."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 2 or (args and args[0] in ("-h", "--help")):
        print("用法: python -m rag.ovexport [CONVERTED_DIR [CORPUS_DIR]]")
        return 0 if args and args[0] in ("-h", "--help") else 2
    converted = Path(args[0]) if args else Paths(home=default_home()).converted_e5_dir
    corpus = Path(args[1]) if len(args) > 1 else Path("corpus")
    started = time.perf_counter()
    ensure_e5_model(converted)
    export_dir = ensure_openvino_model(converted, corpus)
    # Beside the models (`Paths.jieba_cache_dir`): every home sharing them reads it back.
    ensure_jieba_cache(Paths(home=default_home(), models_override=converted.parent).jieba_cache_dir)
    took = time.perf_counter() - started
    for backend in EMBED_BACKENDS:
        status = export_status(converted, backend)
        verdict = "通过" if status.passes else "未通过"
        cosine = f"{status.min_cosine:.5f}" if status.min_cosine is not None else "-"
        print(f"  {backend}: 与 torch 的最低余弦 {cosine}（{verdict} ≥ {MIN_COSINE}）")
    print(f"OpenVINO 模型就绪（{took:.1f} 秒）：{export_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
