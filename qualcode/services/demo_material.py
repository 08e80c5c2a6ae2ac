"""Where the demo's files are and how its answer key reads.

Below both :mod:`qualcode.services.demo` (which builds the project) and
:mod:`qualcode.services.demo_review` (which adds the review coders), so neither has to
import the other to know what the demo is made of.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qualcode.domain.errors import QualcodeError

ENV_DEMO_DIR = "QUALCODE_DEMO_DIR"
DEMO_CODEBOOK = "barriers-and-enablers.yaml"
PARTICIPANTS_SHEET = "participants.csv"


@dataclass(frozen=True, slots=True)
class DemoMaterial:
    transcripts: Path
    codebook: Path
    participants: Path
    # The passages each transcript was written to illustrate, with their codes (the
    # answer key for measuring suggestions), used as example coding on request.
    example_coding: Path | None = None


def find_demo_material(root: Path | None = None) -> DemoMaterial:
    """The demo folders: $QUALCODE_DEMO_DIR, else the checkout qualcode runs from."""
    base = root or Path(os.environ.get(ENV_DEMO_DIR) or Path(__file__).resolve().parents[2])
    material = DemoMaterial(
        transcripts=base / "transcripts",
        codebook=base / "codebooks" / DEMO_CODEBOOK,
        participants=base / "transcripts" / PARTICIPANTS_SHEET,
        example_coding=base / "benchmarks" / "answer_key",
    )
    for needed in (material.transcripts, material.codebook, material.participants):
        if not needed.exists():
            raise QualcodeError(
                f"{needed}: demo material not found; run qualcode from a checkout of its "
                f"repository (pip install -e .) or set {ENV_DEMO_DIR}"
            )
    return material


@dataclass(frozen=True, slots=True)
class KeyPassage:
    source: str
    quote: str
    codes: tuple[str, ...]


def read_key(folder: Path | None) -> list[KeyPassage]:
    """The answer key's passages, in file order."""
    import yaml  # deferred: only the demo's example coding reads these files

    if folder is None or not folder.is_dir():
        raise QualcodeError(f"{folder}: the demo's example coding is not there")
    out: list[KeyPassage] = []
    for file in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        source = Path(data["source"]).stem
        for passage in data["passages"]:
            out.append(KeyPassage(source, passage["quote"], tuple(passage["codes"])))
    return out
