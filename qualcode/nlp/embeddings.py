"""Sentence meaning as vectors, from a model that ships inside an installed package.

The model is WordLlama's ``l2_supercat`` (MIT licence): a 32,000 x 256 table of token
vectors distilled from a large language model, plus its tokenizer, both inside the
``wordllama`` wheel. A text's vector is the mean of its tokens' vectors, so a
million words embed in seconds on a laptop's CPU.

WordLlama's own ``load()`` looks for the tokenizer in the wrong folder and then asks
the network for it, so the two files are read here directly from the installed
package, with ``tokenizers`` and ``safetensors`` (both WordLlama's own dependencies).
Nothing is ever downloaded: if the package or a file is missing, there is simply no
embedder, and suggestions say so and fall back to the codebook's words.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "wordllama-l2-supercat-256"
NO_EMBEDDER = "none"  # what models and caches record when there is no embedder
_WEIGHTS = ("weights", "l2_supercat_256.safetensors")
_TOKENIZER = ("tokenizers", "l2_supercat_tokenizer_config.json")
_TENSOR = "embedding.weight"
_BATCH = 2_000  # texts per tokenizer call: bounds the gathered token vectors' memory
_GROUP = 256  # texts of similar length summed as one padded block
_BLOCK_TOKENS = 1 << 15  # token vectors gathered at once (32 MB at 256 dimensions)


class Embedder:
    """Texts to unit-length vectors (a text with no known token gets zeros)."""

    name = MODEL_NAME

    def __init__(self, table: np.ndarray, tokenizer: Any) -> None:
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.tokenizer = tokenizer
        self.dimensions = int(self.table.shape[1])
        self._padded: np.ndarray | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for begin in range(0, len(texts), _BATCH):
            chunk = list(texts[begin : begin + _BATCH])
            encoded = self.tokenizer.encode_batch(chunk, add_special_tokens=False)
            lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(chunk))
            if not lengths.sum():
                continue
            ids = np.fromiter(
                (i for e in encoded for i in e.ids), dtype=np.int64, count=int(lengths.sum())
            )
            sums = self._sums(np.clip(ids, 0, self.table.shape[0] - 1), lengths)
            filled = lengths > 0
            out[begin + np.flatnonzero(filled)] = sums[filled] / lengths[filled, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out /= norms
        return out

    def _sums(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Each text's sum of token vectors, ``ids`` being all texts' tokens in a row.

        Texts of similar length are summed together as a padded block (the padding
        reads a row of zeros): ``np.add.reduceat`` over the gathered vectors took a
        tenth of a million-word run, about eight times as long.
        """
        table = self._padded_table()
        pad = table.shape[0] - 1
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        sums = np.zeros((len(lengths), self.dimensions), dtype=np.float32)
        order = np.argsort(lengths, kind="stable")
        begin = 0
        while begin < len(order):
            # As many texts as fit in the block, in order of length: the last is the longest.
            end = min(begin + _GROUP, len(order))
            fit = max(1, _BLOCK_TOKENS // max(1, int(lengths[order[end - 1]])))
            end = min(end, begin + fit)
            rows = order[begin:end]
            begin = end
            longest = int(lengths[rows[-1]])
            if longest > _BLOCK_TOKENS:  # one very long text: summed a slice at a time
                row = int(rows[0])
                for a in range(int(starts[row]), int(starts[row]) + longest, _BLOCK_TOKENS):
                    stop = min(a + _BLOCK_TOKENS, int(starts[row]) + longest)
                    sums[row] += table[ids[a:stop]].sum(axis=0)
                continue
            steps = np.arange(longest)
            inside = steps[None, :] < lengths[rows, None]
            where = np.where(inside, starts[rows, None] + steps[None, :], 0)
            sums[rows] = table[np.where(inside, ids[where], pad)].sum(axis=1)
        return sums

    def _padded_table(self) -> np.ndarray:
        if self._padded is None:
            self._padded = np.vstack([self.table, np.zeros((1, self.dimensions), np.float32)])
        return self._padded


def embedder_name(embedder: Embedder | None) -> str:
    """The name models and caches record, so that vectors of another model never mix."""
    return embedder.name if embedder is not None else NO_EMBEDDER


def package_folder() -> Path | None:
    """Where the installed ``wordllama`` package lives, found without importing it
    (its ``__init__`` configures logging and pulls in modules we do not need)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The packaged model, or None (logged) when it is not installed or unreadable."""
    folder = package_folder()
    if folder is None:
        log.info("wordllama is not installed: suggestions use the codebook's words only")
        return None
    weights, tokenizer_file = folder.joinpath(*_WEIGHTS), folder.joinpath(*_TOKENIZER)
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        table = load_file(str(weights))[_TENSOR]
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception as error:  # a broken install must not stop suggestions
        log.warning("could not load the embedding model from %s: %s", folder, error)
        return None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return Embedder(table, tokenizer)
