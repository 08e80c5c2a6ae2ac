"""`qualcode suggest` through click's CliRunner, as a researcher or a script uses it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from qualcode.cli.app import cli
from qualcode.services.coding import CodingService
from qualcode.services.demo import build_demo, find_demo_material
from qualcode.services.project import Project
from qualcode.services.sources import SourceService
from qualcode.services.suggestions import model_path_for
from tests.conftest import REPO

SOURCE = "case-study-lived-experience-01"
MISTRUST = "Challenges in support > Mistrust"


def run(*args: object, coder: str | None = "Tester") -> Result:
    env = {"QUALCODE_CODER": coder} if coder else {}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture(autouse=True)
def no_configured_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUALCODE_SPACY_PIPELINE", raising=False)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project built once, its sources analysed (cached) by a first run."""
    home = tmp_path_factory.mktemp("cli-home")
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("QUALCODE_CONFIG_DIR", str(home / "config"))
        patched.setenv("QUALCODE_DATA_DIR", str(home / "data"))
        patched.delenv("QUALCODE_SPACY_PIPELINE", raising=False)
        report = build_demo(
            tmp_path_factory.mktemp("demo"), find_demo_material(REPO), coder="Tester"
        )
        warm = run("suggest", report.path, "--json")
        assert warm.exit_code == 0, warm.output
    return report.path


@pytest.fixture(scope="module")
def listed(template: Path) -> list[dict]:
    result = run("suggest", template, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.qcp"
    shutil.copy2(template, path)
    return path


def code_answer_key(path: Path, name: str = SOURCE) -> int:
    data = yaml.safe_load(
        (REPO / "benchmarks" / "answer_key" / f"{name}.yaml").read_text(encoding="utf-8")
    )
    with Project.open(path) as project, project.session() as session:
        coding = CodingService(session, "Ann")
        for passage in data["passages"]:
            for code in passage["codes"]:
                coding.add_passage(name, code, passage["quote"])
    return sum(len(p["codes"]) for p in data["passages"])


def one_line_error(result: Result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for part in expected:
        assert part in lines[0]


def test_suggest_json_lists_units_with_their_suggestions(template: Path, listed: list) -> None:
    with Project.open(template) as project, project.read_session() as session:
        sources = SourceService(session)
        texts = {s.name: sources.text(s.name) for s in sources.list_sources()}
    assert isinstance(listed, list) and len(listed) > 100
    for item in listed:
        assert set(item) == {"source", "start", "end", "text", "suggestions"}
        assert texts[item["source"]][item["start"] : item["end"]] == item["text"]
        assert 1 <= len(item["suggestions"]) <= 3
        for suggestion in item["suggestions"]:
            assert {"code_uuid", "code_path", "score", "reasons"} <= set(suggestion)
            assert isinstance(suggestion["reasons"], list) and suggestion["reasons"]
            assert all(isinstance(r, str) for r in suggestion["reasons"])
            assert 0 < suggestion["score"] <= 1  # at least its code's threshold
            assert " > " in suggestion["code_path"] or suggestion["code_path"]


def test_suggest_options(template: Path, listed: list) -> None:
    one = run("suggest", template, "--source", SOURCE, "--top", "1", "--min-score", "0.5", "--json")
    assert one.exit_code == 0, one.output
    items = json.loads(one.stdout)
    assert items and {i["source"] for i in items} == {SOURCE}
    assert all(len(i["suggestions"]) == 1 and i["suggestions"][0]["score"] >= 0.5 for i in items)
    sentences = run("suggest", template, "--source", SOURCE, "--unit", "sentence", "--json")
    assert sentences.exit_code == 0, sentences.output
    turns = [i for i in listed if i["source"] == SOURCE]
    assert len(json.loads(sentences.stdout)) > len(turns)
    everyone = run(
        "suggest", template, "--source", SOURCE, "--all-speakers", "--min-score", "0", "--json"
    )
    assert everyone.exit_code == 0, everyone.output
    assert len(json.loads(everyone.stdout)) > len(turns)


def test_suggest_prints_units_reasons_and_a_summary(template: Path) -> None:
    result = run("suggest", template, "--source", SOURCE)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{SOURCE}  ") and '"' in lines[0]
    assert lines[1].startswith("  0.") or lines[1].startswith("  1.")
    assert "suggestions for" in lines[-1] and "pipeline blank:en" in lines[-1]
    assert "qualcode suggest accept" in lines[-1]
    assert result.stderr == ""


def test_accept_reject_train_and_evaluate(demo: Path, listed: list) -> None:
    first, second = [i for i in listed if i["source"] == SOURCE][:2]
    accepted = first["suggestions"][0]
    result = run(
        "suggest",
        "accept",
        demo,
        "--source",
        SOURCE,
        "--start",
        first["start"],
        "--end",
        first["end"],
        "--code",
        accepted["code_path"],
        coder="Bo",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"coded {SOURCE} {first['start']}-{first['end']} with '{accepted['code_path']}'"
    )
    codings = json.loads(run("code", "list", demo, "--json").stdout)
    assert [(c["coder"], c["origin"], c["text"]) for c in codings] == [
        ("Bo", "suggested", first["text"])
    ]

    rejected = second["suggestions"][0]
    result = run(
        "suggest",
        "reject",
        demo,
        "-s",
        SOURCE,
        "--start",
        second["start"],
        "--end",
        second["end"],
        "-c",
        rejected["code_uuid"],
        coder="Bo",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"rejected '{rejected['code_uuid']}' for {SOURCE} {second['start']}-{second['end']}"
    )
    after = json.loads(run("suggest", demo, "--source", SOURCE, "--json").stdout)
    codes_at = {(i["start"], i["end"]): {s["code_uuid"] for s in i["suggestions"]} for i in after}
    assert accepted["code_uuid"] not in codes_at.get((first["start"], first["end"]), set())
    assert rejected["code_uuid"] not in codes_at.get((second["start"], second["end"]), set())

    count = code_answer_key(demo)
    trained = run("suggest", "train", demo)
    assert trained.exit_code == 0, trained.output
    assert trained.stdout.startswith(f"trained on {count + 1} coded examples of ")
    assert "and 1 rejections" in trained.stdout
    assert str(model_path_for(demo)) in trained.stdout
    assert "threshold 0." in trained.stdout and "cross-validation" in trained.stdout

    learnt = run("suggest", demo, "--json")
    assert learnt.exit_code == 0 and learnt.stderr == ""
    reasons = [r for i in json.loads(learnt.stdout) for s in i["suggestions"] for r in s["reasons"]]
    assert any("coded" in r for r in reasons)

    evaluated = run("suggest", "evaluate", demo, "--folds", "3")
    assert evaluated.exit_code == 0, evaluated.output
    out = evaluated.stdout
    assert "coded units, 3-fold" in out
    assert "suggestions" in out and "most frequent codes" in out and "macro-F1" in out
    assert MISTRUST in out or "Challenges in" in out
    assert "threshold 0." in out and "cross-validation" in out  # which, and why
    assert "codebook only" in out and "Learning curve" in out
    as_json = run("suggest", "evaluate", demo, "--folds", "3", "--json")
    assert as_json.exit_code == 0, as_json.output
    evaluation = json.loads(as_json.stdout)
    assert evaluation["folds"] == 3 and evaluation["units"] >= 3
    assert {"top1", "recall_at_3", "macro_f1"} <= set(evaluation["model"])
    assert evaluation["codes"] and {"code_path", "examples", "f1"} <= set(evaluation["codes"][0])
    sizes = [point["coded"] for point in evaluation["curve"]]
    assert sizes[0] == 0 and sizes == sorted(set(sizes)) and len(sizes) >= 2
    assert evaluation["zero_shot"] == evaluation["curve"][0]["model"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("suggest", "{p}", "--source", "no-such-source"), ("no-such-source",)),
        (("suggest", "{p}", "--min-score", "2"), ("--min-score", "between 0 and 1")),
        (("suggest", "{p}", "--min-score", "-0.5"), ("--min-score",)),
        (("suggest", "{p}", "--top", "0"), ("--top",)),
        (
            (
                "suggest",
                "accept",
                "{p}",
                "-s",
                SOURCE,
                "--start",
                "0",
                "--end",
                "40",
                "--code",
                "No such code",
            ),
            ("No such code",),
        ),
        (
            (
                "suggest",
                "reject",
                "{p}",
                "-s",
                SOURCE,
                "--start",
                "0",
                "--end",
                "40",
                "--code",
                "No such code",
            ),
            ("No such code",),
        ),
        (
            (
                "suggest",
                "accept",
                "{p}",
                "-s",
                "no-such-source",
                "--start",
                "0",
                "--end",
                "40",
                "--code",
                MISTRUST,
            ),
            ("no-such-source",),
        ),
        (
            (
                "suggest",
                "reject",
                "{p}",
                "-s",
                SOURCE,
                "--start",
                "40",
                "--end",
                "10",
                "--code",
                MISTRUST,
            ),
            (),
        ),
        (("suggest", "evaluate", "{p}", "--folds", "3"), ("code more",)),
        (("suggest", "{missing}"), ("no such project file",)),
    ],
    ids=[
        "unknown-source",
        "min-score-high",
        "min-score-negative",
        "top-zero",
        "accept-unknown-code",
        "reject-unknown-code",
        "accept-unknown-source",
        "reject-backwards",
        "evaluate-uncoded",
        "no-project",
    ],
)
def test_errors_are_one_line_with_exit_code_1(
    demo: Path, tmp_path: Path, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    missing = tmp_path / "nowhere.qcp"
    result = run(*(a.format(p=demo, missing=missing) for a in args))
    one_line_error(result, *expected)


def test_accept_needs_a_coder(demo: Path, listed: list) -> None:
    item = listed[0]
    result = run(
        "suggest",
        "accept",
        demo,
        "-s",
        item["source"],
        "--start",
        item["start"],
        "--end",
        item["end"],
        "-c",
        item["suggestions"][0]["code_uuid"],
        coder=None,
    )
    one_line_error(result, "coder")


def test_suggest_help_lists_the_sub_commands() -> None:
    result = run("suggest", "--help")
    assert result.exit_code == 0, result.output
    commands = result.stdout.split("Commands:")[1]
    for name in ("accept", "reject", "train", "evaluate", "show"):
        assert f"\n  {name} " in commands, name
    for name in ("accept", "reject", "train", "evaluate"):
        sub = run("suggest", name, "--help")
        assert sub.exit_code == 0 and "PROJECT" in sub.stdout, name


@pytest.mark.parametrize(
    "damage", [b'{"checksum": ', "not json é".encode("latin-1")], ids=["truncated", "not-utf8"]
)
def test_a_damaged_model_is_a_note_on_stderr_not_a_failure(demo: Path, damage: bytes) -> None:
    model_path_for(demo).write_bytes(damage)
    result = run("suggest", demo, "--json")
    assert result.exit_code == 0, result.output
    notes = result.stderr.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("note: demo.qcp.suggest-model.json: ")
    assert "damaged" in notes[0] or "cannot be read" in notes[0]
    assert "qualcode suggest train" in notes[0]
    assert len(json.loads(result.stdout)) > 100


def test_coding_without_a_model_is_a_note(demo: Path) -> None:
    code_answer_key(demo)
    result = run("suggest", demo, "--source", SOURCE)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("note: no trained model yet")
    assert "suggestions for" in result.stdout


def test_suggest_json_is_the_records_written_field_by_field(demo: Path) -> None:
    """The fast encoder writes exactly what the plain one (to_jsonable) does, nested
    matches and closest coded passages included."""
    from qualcode.cli.common import json_text, to_jsonable
    from qualcode.cli.suggest_commands import _unit_json
    from qualcode.services.suggestions import SuggestionService

    code_answer_key(demo)
    assert run("suggest", "train", demo).exit_code == 0
    result = run("suggest", demo, "--json", "--min-score", "0.05")
    assert result.exit_code == 0, result.output
    with Project.open(demo) as project, project.session() as session:
        records = SuggestionService(session, model_path=model_path_for(demo)).suggest(
            min_score=0.05
        )
    shown = [u for u in records.units if u.suggestions]
    assert any(s.closest for u in shown for s in u.suggestions)
    assert any(s.matched for u in shown for s in u.suggestions)
    plain = ",\n".join(json_text(to_jsonable(_unit_json(u))) for u in shown)
    assert result.stdout == f"[\n{plain}\n]\n"
