"""The sentence-meaning model is read from the installed package, never fetched."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import numpy as np
import pytest

from qualcode.nlp.embeddings import MODEL_NAME, load_embedder


def _refuse(name: str, attempts: list[str]):  # type: ignore[no-untyped-def]
    def refused(*args: object, **kwargs: object) -> None:
        attempts.append(name)
        raise OSError(f"network use in a test: {name}")

    return refused


def test_the_embedder_loads_and_works_with_the_network_blocked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[str] = []
    monkeypatch.setattr(socket.socket, "connect", _refuse("socket.connect", attempts))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("socket.connect_ex", attempts))
    monkeypatch.setattr(socket, "create_connection", _refuse("create_connection", attempts))
    monkeypatch.setattr(socket, "getaddrinfo", _refuse("getaddrinfo", attempts))
    load_embedder.cache_clear()
    try:
        embedder = load_embedder()
        assert embedder is not None, "wordllama's packaged model could not be loaded offline"
        vectors = embedder.embed(
            [
                "I could not pay the rent and the debts kept growing.",
                "Money was tight and I owed the landlord months of rent.",
                "The nurses on the ward were kind and listened to me.",
            ]
        )
    finally:
        load_embedder.cache_clear()  # the next user loads it without the patches
    assert attempts == []
    assert embedder.name == MODEL_NAME
    assert vectors.shape == (3, embedder.dimensions) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    money, rent, ward = vectors
    assert float(money @ rent) > float(money @ ward)
    assert float(money @ rent) > float(rent @ ward)


def test_a_text_without_tokens_is_a_zero_vector() -> None:
    embedder = load_embedder()
    assert embedder is not None
    vectors = embedder.embed(["", "Words here."])
    assert not vectors[0].any()
    assert np.linalg.norm(vectors[1]) == pytest.approx(1.0, abs=1e-5)
    assert embedder.embed([]).shape == (0, embedder.dimensions)


def test_embedding_does_not_load_a_network_client() -> None:
    """Checked in a clean interpreter: WordLlama's own loader imports huggingface_hub
    and requests to fetch files; ours must not even import them."""
    script = (
        "import json, sys\n"
        "from qualcode.nlp.embeddings import load_embedder\n"
        "e = load_embedder()\n"
        "v = e.embed(['I could not pay the rent.'])\n"
        "print(json.dumps([e is not None, float((v * v).sum()),"
        " sorted(m for m in ('huggingface_hub', 'requests', 'wordllama', 'urllib3')"
        " if m in sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded, squared_norm, network_modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded and squared_norm == pytest.approx(1.0, abs=1e-4)
    assert network_modules == []
