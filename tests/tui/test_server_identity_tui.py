"""On a server project the app asks the project who is coding (the login), not the
person; a name is asked for only when the login is nobody's."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from qualcode.domain.roles import Role
from qualcode.services.codebook import CodebookService
from qualcode.services.members import MembersService
from qualcode.services.project import Project, ProjectLocation
from qualcode.services.sources import SourceService
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.screens.sources import SourcesScreen
from tests.conftest import SMALL_CODEBOOK
from tests.postgres_server import PostgresServer
from tests.tui.conftest import wait_for


def _team_project(url: str, interview: Path) -> str:
    """A server project whose member Ana codes through her own login; returns her URL."""
    database = str(make_url(url).database)
    login = f"ana_{database}"
    with Project.create(url) as project, project.session() as session:
        CodebookService(session, "Olga").import_codebook(SMALL_CODEBOOK)
        SourceService(session, "Olga").import_files([interview])
        members = MembersService(session, "Olga")
        members.prepare_server()
        members.add("Ana", Role.CODER, login=login)
    return url.replace("postgres@", f"{login}@", 1)


async def test_a_member_is_not_asked_for_a_name_on_the_server(
    postgres_server: PostgresServer, postgres_url: str, interview_file: Path
) -> None:
    ana = ProjectLocation.parse(_team_project(postgres_url, interview_file))
    app = QualcodeApp(ana, coder=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        assert app.backend is not None and app.backend.shown_coder == "Ana"


async def test_a_login_that_is_nobodys_is_asked_for_a_name(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    with Project.create(postgres_url):
        pass
    app = QualcodeApp(ProjectLocation.parse(postgres_url), coder=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("#prompt-input").value = "Olga"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourcesScreen))
        assert app.backend is not None and app.backend.shown_coder == "Olga"
