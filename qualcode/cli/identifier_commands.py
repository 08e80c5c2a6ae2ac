"""The identifier register from the command line: list, add, remove, suggest, check."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from qualcode.cli.common import (
    coder_option,
    echo,
    json_option,
    opened,
    print_json,
    print_table,
    project_argument,
    shorten,
    to_jsonable,
)
from qualcode.cli.identity import resolve_coder
from qualcode.domain.redaction import IDENTIFIER_KINDS, IdentifierSuggestion, Leak
from qualcode.services.identifiers import IdentifierService


@click.group()
def identifiers() -> None:
    """The identifier register: names and places replaced in every export.

    \b
    qualcode identifiers list PROJECT
    qualcode identifiers add PROJECT "Dawn Hendry" "[the psychologist]" --kind person
    qualcode identifiers suggest PROJECT
    qualcode identifiers reviewed PROJECT
    qualcode identifiers status PROJECT
    qualcode identifiers check PROJECT report.docx

    Exports refuse a register nobody reviewed since the transcripts were imported
    (an empty one too): look through `suggest`, register what identifies someone,
    then say so with `reviewed`.
    """


@identifiers.command("list")
@project_argument
@json_option
def identifiers_list(project: Path, as_json: bool) -> None:
    """Show the register: each identifier and what replaces it."""
    with opened(project) as opened_project, opened_project.read_session() as session:
        entries = IdentifierService(session).list()
    if as_json:
        print_json(entries)
        return
    print_table(
        ["Original", "Replacement", "Kind", "Note"],
        [[e.original, e.replacement, e.kind, shorten(e.note, 40)] for e in entries],
    )
    echo(f"{len(entries)} identifier(s).")


@identifiers.command("add")
@project_argument
@click.argument("original")
@click.argument("replacement")
@click.option(
    "--kind",
    type=click.Choice(IDENTIFIER_KINDS),
    default="other",
    show_default=True,
    help="What the identifier names.",
)
@click.option("--note", default="", help="Why it is registered, or where it came up.")
@coder_option
def identifiers_add(
    project: Path, original: str, replacement: str, kind: str, note: str, coder: str | None
) -> None:
    """Register ORIGINAL, to be replaced by REPLACEMENT (e.g. "[local area]")."""
    with opened(project) as opened_project, opened_project.session() as session:
        entry = IdentifierService(session, resolve_coder(coder)).add(
            original, replacement, kind=kind, note=note
        )
    echo(f"Registered '{entry.original}' ({entry.kind}), replaced by {entry.replacement}.")


@identifiers.command("remove")
@project_argument
@click.argument("reference", metavar="ORIGINAL_OR_UUID")
@coder_option
def identifiers_remove(project: Path, reference: str, coder: str | None) -> None:
    """Take an identifier off the register (by its original, any case, or UUID)."""
    with opened(project) as opened_project, opened_project.session() as session:
        entry = IdentifierService(session, resolve_coder(coder)).remove(reference)
    echo(f"Removed '{entry.original}' from the register.")


@identifiers.command("suggest")
@project_argument
@click.option(
    "--place",
    "places",
    multiple=True,
    help="A place name to look for as well (repeatable; `places` keeps them).",
)
@click.option(
    "--add-all",
    is_flag=True,
    help="Register every suggestion with its proposed replacement, then mark the "
    "register reviewed.",
)
@coder_option
@json_option
def identifiers_suggest(
    project: Path, places: tuple[str, ...], add_all: bool, coder: str | None, as_json: bool
) -> None:
    """Words in the sources that look identifying and are not registered yet.

    Participants' pseudonyms (an attribute named "pseudonym") are never suggested.
    """
    registered = None
    status = None
    with opened(project) as opened_project, opened_project.session() as session:
        if add_all:
            service = IdentifierService(session, resolve_coder(coder))
            registered = service.add_suggestions(places)
            suggestions = [*registered.added, *(s for s, _ in registered.refused)]
            if not registered.refused:  # a refused name is still in the text: not reviewed
                status = service.mark_reviewed()
        else:
            suggestions = IdentifierService(session).suggest(places)
    if as_json:
        print_json(suggestions)
        return
    _print_suggestions(suggestions)
    if registered is not None:
        echo(f"Registered {len(registered.added)} of {len(suggestions)}.")
        for suggestion, reason in registered.refused:
            echo(f"  not registered: {suggestion.text}: {reason}")
        if status is not None:
            echo(status.reason)
        else:
            echo(
                "The register is not marked reviewed: deal with the names above, then run "
                f"`qualcode identifiers reviewed {shlex.quote(str(project))}`."
            )
    elif suggestions:
        echo(
            "Register one with `qualcode identifiers add PROJECT ORIGINAL REPLACEMENT`, "
            "or all with --add-all; then `qualcode identifiers reviewed PROJECT`."
        )
    else:
        echo(
            "Nothing new to suggest. Once you have read the transcripts for names, say so "
            f"with `qualcode identifiers reviewed {shlex.quote(str(project))}`."
        )


@identifiers.command("reviewed")
@project_argument
@coder_option
def identifiers_reviewed(project: Path, coder: str | None) -> None:
    """Say the register has been reviewed: every transcript now in the project was
    checked for names and places (an empty register then means none were found).

    Exports refuse a register not reviewed since the last import. Adding or
    removing identifiers does not count as a review; transcripts imported later
    need another one.
    """
    with opened(project) as opened_project, opened_project.session() as session:
        status = IdentifierService(session).mark_reviewed(resolve_coder(coder))
    echo(status.reason)


@identifiers.command("status")
@project_argument
@json_option
def identifiers_status(project: Path, as_json: bool) -> None:
    """Whether the register was reviewed since the transcripts were imported.

    Exits with 0 either way; with --json, `needs_review` says whether an export
    would be refused.
    """
    with opened(project) as opened_project, opened_project.read_session() as session:
        status = IdentifierService(session).status()
    if as_json:
        print_json(
            {
                **to_jsonable(status),
                "needs_review": status.needs_review,
                "reason": status.reason,
            }
        )
        return
    echo(status.reason)
    if status.needs_review:
        quoted = shlex.quote(str(project))
        echo(
            f"Review it with `qualcode identifiers suggest {quoted}`, then "
            f"`qualcode identifiers reviewed {quoted}`."
        )


def _print_suggestions(suggestions: list[IdentifierSuggestion]) -> None:
    print_table(
        ["Text", "Count", "Kind", "Replacement", "Sources", "Variants", "Why"],
        [
            [
                s.text,
                s.count,
                s.kind,
                s.replacement,
                shorten(", ".join(s.sources), 40),
                shorten(", ".join(s.variants), 30),
                shorten(s.reason, 50),
            ]
            for s in suggestions
        ],
        right=[1],
    )
    echo(f"{len(suggestions)} suggestion(s).")


@identifiers.command("check")
@project_argument
@click.argument(
    "file", type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="FILE"
)
def identifiers_check(project: Path, file: Path) -> None:
    """Look for registered identifiers (and close spellings) in FILE before you share it.

    FILE may be a .docx (paragraphs, tables, headers, footers) or any text file
    (.txt, .csv, .md ...). Exits with 1 if anything is found.
    """
    with opened(project) as opened_project, opened_project.read_session() as session:
        found = IdentifierService(session).check_file(file)
    for item in found:
        echo(f'{file}: {item.location}: "\u2026{item.leak.context}\u2026" {_why(item.leak)}')
    if found:
        raise click.ClickException(f"{len(found)} identifier(s) found in {file}")
    echo(f"{file}: no registered identifier found.")


def _why(leak: Leak) -> str:
    if leak.reason == "registered":
        if leak.found == leak.original:
            return f"contains '{leak.found}' (registered)"
        return f"contains '{leak.found}' (registered as '{leak.original}')"
    kind = "part of" if leak.reason == "part" else "close to"
    return f"contains '{leak.found}' ({kind} registered '{leak.original}')"


@identifiers.command("places")
@project_argument
@click.argument("names", nargs=-1, metavar="[NAME...]")
@coder_option
def identifiers_places(project: Path, names: tuple[str, ...], coder: str | None) -> None:
    """Show the project's place names, or add NAMEs; `suggest` always looks for them."""
    with opened(project) as opened_project, opened_project.session() as session:
        if names:
            places = IdentifierService(session, resolve_coder(coder)).add_places(names)
        else:
            places = IdentifierService(session).places()
    for place in places:
        echo(place)
    if not places:
        echo("No places yet: add some with `qualcode identifiers places PROJECT NAME...`.")
