"""Who may do what in a shared project: four roles and the actions each allows.

The rules are data, so the service layer (on SQLite) and the PostgreSQL grants (on a
server) are built from one table and cannot drift apart. A project nobody has been
added to has no members: whoever uses it is its owner, so a single researcher's file
behaves exactly as it always has.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    REVIEWER = "reviewer"
    CODER = "coder"
    READER = "read-only"


class Action(StrEnum):
    READ = "read the project"
    EXPORT = "export"
    READ_REGISTER = "read the identifier register"
    EDIT_REGISTER = "change the identifier register"
    EDIT_CODEBOOK = "change the codebook"
    EDIT_SOURCES = "import or remove sources"
    EDIT_MEMBERS = "add or remove members"
    CODE = "code"  # one's own codings
    MEMO = "write memos"
    COMMENT = "comment in reviews"
    DECIDE_SUGGESTIONS = "accept or reject suggestions"
    DECIDE_CONSENSUS = "make consensus decisions"


_READER = frozenset({Action.READ, Action.EXPORT, Action.READ_REGISTER})
_CODER = _READER | {Action.CODE, Action.MEMO, Action.COMMENT, Action.DECIDE_SUGGESTIONS}
_REVIEWER = _CODER | {Action.DECIDE_CONSENSUS}
_OWNER = _REVIEWER | {
    Action.EDIT_REGISTER,
    Action.EDIT_CODEBOOK,
    Action.EDIT_SOURCES,
    Action.EDIT_MEMBERS,
}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.CODER: frozenset(_CODER),
    Role.READER: _READER,
}

# Each undoable change (see services/changes.py) and the action it needs.
CHANGE_ACTIONS: dict[str, Action] = {
    "coding.add": Action.CODE,
    "coding.remove": Action.CODE,
    "coding.memo": Action.CODE,
    "code.add": Action.EDIT_CODEBOOK,
    "code.delete": Action.EDIT_CODEBOOK,
    "code.update": Action.EDIT_CODEBOOK,
    "code.merge": Action.EDIT_CODEBOOK,
    "memo.add": Action.MEMO,
    "memo.edit": Action.MEMO,
    "memo.remove": Action.MEMO,
    "suggestion.reject": Action.DECIDE_SUGGESTIONS,
    "review.entry": Action.COMMENT,
    "consensus.seed": Action.DECIDE_CONSENSUS,
    "consensus.decide": Action.DECIDE_CONSENSUS,
}

# Names people type for a role, besides the role's own value.
_ALIASES = {"readonly": Role.READER, "read_only": Role.READER, "reader": Role.READER}


def may(role: Role, action: Action) -> bool:
    """Whether someone with ``role`` may do ``action``."""
    return action in PERMISSIONS[role]


def change_action(change: str) -> Action:
    """What the undoable change named ``change`` ("coding.add") needs. A change this table
    does not know is the owner's alone, so a new kind of change is never open to everyone
    by accident."""
    return CHANGE_ACTIONS.get(change, Action.EDIT_MEMBERS)


def parse_role(value: str) -> Role:
    """A role from what a person typed ("coder", "Read-only", "reader")."""
    key = value.strip().lower()
    try:
        return _ALIASES.get(key) or Role(key)
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise ValueError(f"no role '{value}' (roles: {names})") from None


def refusal(coder: str, role: Role | None, action: Action) -> str:
    """The one line shown when ``coder`` may not do ``action``."""
    if role is None:
        return (
            f"{coder} is not a member of this project, so cannot {action.value}; "
            "ask the project's owner to add you"
        )
    return f"{coder} is {_NOUNS[role]} here and cannot {action.value}"


_NOUNS = {
    Role.OWNER: "an owner",
    Role.REVIEWER: "a reviewer",
    Role.CODER: "a coder",
    Role.READER: "a read-only member",
}
