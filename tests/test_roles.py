"""Roles on a project file: the service layer refuses what a member's role does not allow
(issue 15). The same rules are enforced by PostgreSQL itself (test_roles_postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from qualcode.domain.errors import ConflictError, NotAllowedError, ValidationError
from qualcode.domain.review import CodingAnchor, ReviewStatus
from qualcode.domain.roles import PERMISSIONS, Action, Role, may, parse_role
from qualcode.services.codebook import CodebookService
from qualcode.services.coding import CodingService
from qualcode.services.consensus import ConsensusService
from qualcode.services.identifiers import IdentifierService
from qualcode.services.members import MembersService
from qualcode.services.memos import MemoService
from qualcode.services.project import Project
from qualcode.services.review import ReviewService
from qualcode.services.sources import SourceService

OWNER, REVIEWER, CODER, READER = "Olga", "Rita", "Cam", "Pat"
CREW = {OWNER: Role.OWNER, REVIEWER: Role.REVIEWER, CODER: Role.CODER, READER: Role.READER}


@pytest.fixture
def team(project: Project, interview_file: Path) -> Iterator[Project]:
    """The test project with a source, a member of each role (Olga the owner, having
    added the first member) and a coding each by Rita and Cam of the same span."""
    with project.session() as session:
        SourceService(session, "Tester").import_files([interview_file])
        for name, role in CREW.items():
            if role is not Role.OWNER:
                MembersService(session, OWNER).add(name, role)
        for name in (REVIEWER, CODER):
            CodingService(session, name).add("interview-sam", "Barriers > Time", 60, 90)
    yield project


def _coding_of(session: Session, coder: str) -> str:
    return CodingService(session).list(coder=coder)[0].uuid


def test_the_first_member_added_makes_the_adder_the_owner(project: Project) -> None:
    with project.session() as session:
        change = MembersService(session, OWNER).add(CODER, Role.CODER)
        assert change.became_owner is not None and change.became_owner.coder == OWNER
        assert [(m.coder, m.role) for m in MembersService(session).list()] == [
            (OWNER, Role.OWNER),
            (CODER, Role.CODER),
        ]


def test_a_project_without_members_lets_its_user_do_everything(project: Project) -> None:
    with project.session() as session:
        CodebookService(session, "Anyone").add_code("New code")
        IdentifierService(session, "Anyone").add("Hartwell", "[hospital]")


ALLOWED: dict[str, tuple[str, ...]] = {
    "change the codebook": (OWNER,),
    "import a source": (OWNER,),
    "change the register": (OWNER,),
    "import a codebook": (OWNER,),
    "code": (OWNER, REVIEWER, CODER),
    "write a memo": (OWNER, REVIEWER, CODER),
    "comment": (OWNER, REVIEWER, CODER),
    "resolve a review thread": (OWNER, REVIEWER),
    "seed the consensus": (OWNER, REVIEWER),
    "add a member": (OWNER,),
}


def _attempt(what: str, session: Session, who: str, tmp_path: Path) -> None:
    if what == "change the codebook":
        CodebookService(session, who).add_code(f"By {who}")
    elif what == "import a source":
        extra = tmp_path / f"extra-{who}.txt"
        extra.write_text(f"Interviewer: Hello?\n\n{who}: A new one.\n", encoding="utf-8")
        SourceService(session, who).import_files([extra])
    elif what == "change the register":
        IdentifierService(session, who).add(f"Name{who}", "[a person]")
    elif what == "import a codebook":
        from tests.conftest import SMALL_CODEBOOK

        CodebookService(session, who).import_codebook(SMALL_CODEBOOK)
    elif what == "code":
        CodingService(session, who).add("interview-sam", "Barriers > Risk", 0, 20)
    elif what == "write a memo":
        MemoService(session, who).add("project", None, "A thought")
    elif what == "comment":
        anchor = CodingAnchor(_coding_of(session, CODER))
        ReviewService(session, who).comment(anchor, "Why here?")
    elif what == "resolve a review thread":
        anchor = CodingAnchor(_coding_of(session, CODER))
        ReviewService(session, who).set_status(anchor, ReviewStatus.RESOLVED)
    elif what == "seed the consensus":
        ConsensusService(session, who).seed()
    elif what == "add a member":
        MembersService(session, who).add(f"New {who}", Role.CODER)
    else:  # pragma: no cover
        raise AssertionError(what)


@pytest.mark.parametrize("who", list(CREW))
@pytest.mark.parametrize("what", list(ALLOWED))
def test_each_role_may_do_only_its_own_part(
    team: Project, tmp_path: Path, what: str, who: str
) -> None:
    with team.session() as session:
        if who in ALLOWED[what]:
            _attempt(what, session, who, tmp_path)
        else:
            with pytest.raises(NotAllowedError, match=f"^{who} is an? .* here and cannot"):
                _attempt(what, session, who, tmp_path)


def test_a_refused_action_changes_nothing(team: Project) -> None:
    with team.session() as session:
        before = len(CodebookService(session).list_codes())
        with pytest.raises(NotAllowedError):
            CodebookService(session, CODER).add_code("Sneaky")
        assert len(CodebookService(session).list_codes()) == before


def test_nobody_changes_another_coders_codings(team: Project) -> None:
    with team.session() as session:
        ritas = _coding_of(session, REVIEWER)
        for who in (CODER, OWNER):
            with pytest.raises(NotAllowedError, match=f"made by {REVIEWER}; only they"):
                CodingService(session, who).remove(ritas)
            with pytest.raises(NotAllowedError, match="only they"):
                CodingService(session, who).set_memo(ritas, "mine now")
        CodingService(session, REVIEWER).remove(ritas)  # their own: fine
        assert CodingService(session).list(coder=REVIEWER) == []


def test_the_consensus_is_changed_only_by_reviewers(team: Project) -> None:
    with team.session() as session:
        assert ConsensusService(session, REVIEWER).seed() == 1
        agreed = _coding_of(session, "consensus")
        with pytest.raises(NotAllowedError, match=f"^{CODER} is a coder here and cannot make"):
            CodingService(session, CODER).remove(agreed)
        CodingService(session, REVIEWER).remove(agreed)


def test_memos_are_changed_only_by_their_writer(team: Project) -> None:
    with team.session() as session:
        memo = MemoService(session, CODER).add("project", None, "Cam's thought")
        with pytest.raises(NotAllowedError, match=f"made by {CODER}"):
            MemoService(session, REVIEWER).edit(memo.uuid, "Rita's now")
        with pytest.raises(NotAllowedError, match=f"made by {CODER}"):
            MemoService(session, OWNER).remove(memo.uuid)
        MemoService(session, CODER).edit(memo.uuid, "Cam's second thought")
        MemoService(session, CODER).remove(memo.uuid)


def test_someone_not_a_member_is_told_to_ask_the_owner(team: Project) -> None:
    with team.session() as session, pytest.raises(NotAllowedError, match="not a member"):
        CodingService(session, "Zed").add("interview-sam", "Barriers > Time", 0, 10)


def test_a_reader_can_read_and_export(team: Project, tmp_path: Path) -> None:
    from tests.conftest import review_register

    review_register(team.location.path, OWNER)  # type: ignore[union-attr]
    with team.session() as session:
        assert CodingService(session, READER).list()
        assert IdentifierService(session, READER).list() == []
        out = CodebookService(session, READER).export_file(tmp_path / "book.qdc")
        assert out.exists()


def test_the_last_owner_stays(team: Project) -> None:
    with team.session() as session:
        with pytest.raises(ConflictError, match="needs an owner"):
            MembersService(session, OWNER).remove(OWNER)
        with pytest.raises(ConflictError, match="needs an owner"):
            MembersService(session, OWNER).add(OWNER, Role.CODER)
        MembersService(session, OWNER).add(REVIEWER, Role.OWNER)
        MembersService(session, REVIEWER).remove(OWNER)
        assert OWNER not in [m.coder for m in MembersService(session).list()]


def test_a_member_changes_role_when_added_again(team: Project) -> None:
    with team.session() as session:
        MembersService(session, OWNER).add(READER, Role.CODER)
        CodingService(session, READER).add("interview-sam", "Barriers > Risk", 0, 20)


def test_roles_as_data() -> None:
    assert all(may(role, Action.EXPORT) and may(role, Action.READ_REGISTER) for role in Role)
    assert [r for r in Role if may(r, Action.EDIT_REGISTER)] == [Role.OWNER]
    assert PERMISSIONS[Role.REVIEWER] > PERMISSIONS[Role.CODER] > PERMISSIONS[Role.READER]
    assert parse_role("Read-only") is Role.READER and parse_role("reader") is Role.READER
    with pytest.raises(ValueError, match="no role 'boss'"):
        parse_role("boss")


def test_a_first_add_needs_to_know_who_is_adding(project: Project) -> None:
    with project.session() as session, pytest.raises(ValidationError, match="owner"):
        MembersService(session).add(CODER, Role.CODER)
