"""Import YAML codebooks of 1,000 / 8,000 / 20,000 codes; time refusing one of 300,000.

Target (issue 11): codebook import (parse, validate, insert through ``CodebookService``)
grows linearly with the number of codes, and a file past the limit
(``qualcode.importers.limits.MAX_CODEBOOK_CODES``) is refused at once.

Two shapes are generated, because the quadratic parts found were per sibling list:
``flat`` (every code at the top level, the worst case for sibling checks) and ``tree``
(20 themes of sub-themes of codes, as a large real codebook looks). Each import goes
into a fresh project file. ``--sizes`` picks other sizes for a quick run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from qualcode.domain.errors import InputFileError
from qualcode.services.codebook import CodebookService
from qualcode.services.project import Project

REFUSE_AT = 300_000


def flat_yaml(codes: int) -> str:
    lines = ["format: qualcode-codebook/1", "name: Benchmark", "codes:"]
    for number in range(codes):
        lines.append(f"  - name: Code {number}")
        lines.append(f"    uuid: {uuid.UUID(int=number + 1, version=4)}")
        lines.append(f"    definition: Passages about topic {number}.")
    return "\n".join(lines) + "\n"


def tree_yaml(codes: int) -> str:
    """20 themes, each with sub-themes of up to 50 codes, until ``codes`` are written."""
    lines = ["format: qualcode-codebook/1", "name: Benchmark", "codes:"]
    written = 0
    theme = 0
    while written < codes:
        lines.append(f"  - name: Theme {theme}")
        written += 1
        lines.append("    codes:")
        sub = 0
        per_theme = max(1, codes // 20)
        in_theme = 0
        while written < codes and in_theme < per_theme:
            lines.append(f"      - name: Sub-theme {sub}")
            written += 1
            in_theme += 1
            lines.append("        codes:")
            for leaf in range(min(50, codes - written, per_theme - in_theme) or 1):
                if written >= codes:
                    break
                lines.append(f"          - name: Code {leaf}")
                lines.append(f"            definition: Passages about {theme}.{sub}.{leaf}.")
                written += 1
                in_theme += 1
            if lines[-1].endswith("codes:"):
                lines.pop()
            sub += 1
        if lines[-1].endswith("codes:"):
            lines.pop()
        theme += 1
    return "\n".join(lines) + "\n"


def time_import(folder: Path, text: str, label: str) -> float:
    source = folder / f"{label}.yaml"
    source.write_text(text, encoding="utf-8")
    with Project.create(folder / f"{label}.qcp") as project, project.session() as session:
        started = time.perf_counter()  # creating the project is not part of the import
        report = CodebookService(session, "Bench").import_file(source)
        elapsed = time.perf_counter() - started
    assert report.added, "nothing was imported"
    return elapsed


def time_refusal(folder: Path, codes: int) -> tuple[float, str]:
    source = folder / "huge.yaml"
    # The reported file: names only, so it fits under the file size limit.
    source.write_text(
        "name: Huge\ncodes:\n" + "".join(f"- name: c{n}\n" for n in range(codes)), encoding="utf-8"
    )
    with Project.create(folder / "huge.qcp") as project, project.session() as session:
        started = time.perf_counter()
        try:
            CodebookService(session, "Bench").import_file(source)
        except InputFileError as error:
            return time.perf_counter() - started, str(error)
        return time.perf_counter() - started, "imported (not refused)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 8_000, 20_000])
    parser.add_argument("--shapes", nargs="+", default=["flat", "tree"])
    parser.add_argument("--skip-refusal", action="store_true")
    args = parser.parse_args()
    builders = {"flat": flat_yaml, "tree": tree_yaml}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for shape in args.shapes:
            for size in args.sizes:
                seconds = time_import(folder, builders[shape](size), f"{shape}-{size}")
                per_code = seconds / size * 1e6
                print(f"{shape:>4} {size:>7,} codes: {seconds:7.2f} s ({per_code:5.0f} us/code)")
        if not args.skip_refusal:
            seconds, message = time_refusal(folder, REFUSE_AT)
            print(f"refuse {REFUSE_AT:,} codes: {seconds:.3f} s: {message}")


if __name__ == "__main__":
    main()
