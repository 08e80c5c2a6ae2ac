"""The identifier register from the command line: list, add, remove, suggest, check."""

from __future__ import annotations

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
)
from qualcode.cli.identity import resolve_coder
from qualcode.domain.errors import QualcodeError
from qualcode.domain.redaction import IDENTIFIER_KINDS, IdentifierSuggestion, Leak
from qualcode.services.identifiers import IdentifierService


@click.group()
def identifiers() -> None:
    """The identifier register: names and places replaced in every export.

    \b
    qualcode identifiers list PROJECT
    qualcode identifiers add PROJECT "Dawn Hendry" "[the psychologist]" --kind person
    qualcode identifiers suggest PROJECT
    qualcode identifiers check PROJECT report.docx
    """


@identifiers.command("list")
@project_argument
@json_option
def identifiers_list(project: Path, as_json: bool) -> None:
    """Show the register: each identifier and what replaces it."""
    with opened(project) as project_, project_.read_session() as session:
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
    with opened(project) as project_, project_.session() as session:
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
    with opened(project) as project_, project_.session() as session:
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
    help="Register every suggestion with its proposed replacement.",
)
@coder_option
@json_option
def identifiers_suggest(
    project: Path, places: tuple[str, ...], add_all: bool, coder: str | None, as_json: bool
) -> None:
    """Words in the sources that look identifying and are not registered yet."""
    with opened(project) as project_, project_.session() as session:
        suggestions = IdentifierService(session).suggest(places)
        skipped: list[str] = []
        if add_all and suggestions:
            service = IdentifierService(session, resolve_coder(coder))
            for suggestion in suggestions:
                try:
                    service.add(
                        suggestion.text,
                        suggestion.replacement,
                        kind=suggestion.kind,
                        note=f"suggested: {suggestion.reason}",
                    )
                except QualcodeError as error:  # one refusal should not stop the rest
                    skipped.append(f"{suggestion.text}: {error}")
    if as_json:
        print_json(suggestions)
        return
    _print_suggestions(suggestions)
    if add_all and suggestions:
        echo(f"Registered {len(suggestions) - len(skipped)} of {len(suggestions)}.")
        for line in skipped:
            echo(f"  not registered: {line}")
    elif suggestions:
        echo(
            "Register one with `qualcode identifiers add PROJECT ORIGINAL REPLACEMENT`, "
            "or all with --add-all."
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
    with opened(project) as project_, project_.read_session() as session:
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
    with opened(project) as project_, project_.session() as session:
        if names:
            places = IdentifierService(session, resolve_coder(coder)).add_places(names)
        else:
            places = IdentifierService(session).places()
    for place in places:
        echo(place)
    if not places:
        echo("No places yet: add some with `qualcode identifiers places PROJECT NAME...`.")
