"""e5 through the OpenVINO runtime directly: the exported IR, the fast tokenizer, numpy.

sentence-transformers exports the model and checks it (rag/ovexport.py), but answering a
question does not need sentence-transformers' stack: importing it costs torch,
transformers and sklearn (≈445 MB resident and ~3 s of every cold start on this
machine), and transformers 5.5 loads e5's 250k-piece tokenizer twice (a deep copy) for
another ≈280 MB. What runs the model here is what sentence-transformers' openvino
backend runs too: the same IR compiled by the same runtime, e5's tokenizer.json, mean
pooling over the attention mask and L2 normalisation. The export's quality check
(rag/ovexport.py) encodes through this class, so the cosine it records is this path's.

`OpenVINOEncoder.encode` mirrors `SentenceTransformer.encode`'s arguments that reportqa
uses; `OpenVINOEmbeddings` is the LangChain `Embeddings` over it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

DEFAULT_MAX_TOKENS = 512


class OpenVINOEncoder:
    """Tokenise, run the compiled IR, mean-pool and normalise; batches sorted by length."""

    def __init__(self, export_dir: Path, xml_name: str, threads: int = 1) -> None:
        import openvino as ov  # heavy (~0.2 s): only when the backend is chosen

        self.export_dir = export_dir
        self._tokenizer = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
        self.max_tokens = _max_tokens(export_dir)
        self._tokenizer.enable_truncation(self.max_tokens)
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        core = ov.Core()
        self._compiled = core.compile_model(str(export_dir / "openvino" / xml_name), "CPU", config)
        self._request = self._compiled.create_infer_request()
        # One infer request serves every thread: the web app answers questions on several,
        # and a second infer while one runs fails with 「Infer Request is busy」.
        self._lock = threading.Lock()
        self._inputs = {port.get_any_name() for port in self._compiled.inputs}
        self.dimension = int(self._compiled.outputs[0].get_partial_shape()[2].get_length())

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimension

    def tokenizer(self, texts: Sequence[str]) -> dict[str, list[list[int]]]:
        """Token ids per text, truncated as the model sees them."""
        return {"input_ids": [enc.ids for enc in self._tokenizer.encode_batch(list(texts))]}

    def encode(
        self,
        sentences: Sequence[str] | str,
        prompt: str = "",
        batch_size: int = 32,
        normalize_embeddings: bool = True,
        **_: Any,
    ) -> np.ndarray:
        """Vectors for `sentences` (each prefixed by `prompt`), in the order given.

        Texts are batched by token length, so a batch pads to its own longest text
        rather than to the longest of the whole call.
        """
        texts = [sentences] if isinstance(sentences, str) else list(sentences)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([prompt + text for text in texts])
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = max(1, batch_size)
        for start in range(0, len(order), step):
            batch = order[start : start + step]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)  # e5's <pad> is 1: masked
            ids.fill(1)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens = encodings[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            weights = mask[:, :, None].astype(np.float32)
            with self._lock:  # the output buffer is the request's: pool before releasing it
                hidden = self._request.infer(feed)[self._compiled.outputs[0]]
                pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[batch] = pooled
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class OpenVINOEmbeddings(Embeddings):
    """LangChain embeddings over `OpenVINOEncoder`, with e5's passage/query prompts."""

    def __init__(
        self,
        encoder: OpenVINOEncoder,
        passage_prompt: str,
        query_prompt: str,
        batch_size: int,
    ) -> None:
        self._client = encoder  # the name HuggingFaceEmbeddings uses, for the same probes
        self.passage_prompt = passage_prompt
        self.query_prompt = query_prompt
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._client.encode(texts, self.passage_prompt, self.batch_size)
        return [row.tolist() for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self._client.encode([text], self.query_prompt, 1)[0].tolist()


def _max_tokens(export_dir: Path) -> int:
    """The model's sequence limit as sentence-transformers reads it (512 for e5)."""
    for name, key in (
        ("sentence_bert_config.json", "max_seq_length"),
        ("tokenizer_config.json", "model_max_length"),
    ):
        try:
            value = json.loads((export_dir / name).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and 0 < value <= 100_000:
            return value
    return DEFAULT_MAX_TOKENS
