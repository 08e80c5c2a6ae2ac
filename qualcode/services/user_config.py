"""The user's own settings file: their coder name and what the app should remember.

Kept outside any project (a person codes in many projects) in the platform's config
folder, readable by its owner only. Both the CLI and the TUI read it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import platformdirs

from qualcode.domain.errors import QualcodeError

ENV_CODER = "QUALCODE_CODER"
ENV_CONFIG_DIR = "QUALCODE_CONFIG_DIR"
ENV_DATA_DIR = "QUALCODE_DATA_DIR"

Value = str | bool | int


def config_dir() -> Path:
    return Path(os.environ.get(ENV_CONFIG_DIR) or platformdirs.user_config_dir("qualcode"))


def data_dir() -> Path:
    return Path(os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_dir("qualcode"))


def private_folder(path: Path) -> Path:
    """``path`` (and any missing parents) as a folder only its owner can open (0700).

    A folder that already exists with looser permissions is tightened: transcripts,
    demo projects and error logs about vulnerable people live under it. Folders owned
    by someone else or shared with the sticky bit (``/tmp``, if the data folder was
    pointed there) are left alone rather than locking others out.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if (
        stat.S_IMODE(info.st_mode) & 0o077
        and info.st_uid == os.getuid()
        and not info.st_mode & stat.S_ISVTX
    ):
        path.chmod(0o700)
    return path


def private_data_dir(*parts: str) -> Path:
    """A folder under the data folder, it and the data folder itself owner-only."""
    folder = private_folder(data_dir())
    for part in parts:
        folder = private_folder(folder / part)
    return folder


def private_file(path: Path) -> Path:
    """``path`` created if missing, readable and writable by its owner only (0600),
    tightened if it already existed with looser permissions."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def config_path() -> Path:
    return config_dir() / "config.toml"


def read_config() -> dict[str, Value]:
    path = config_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise QualcodeError(f"{path}: cannot read the settings file ({error})") from error


def save_setting(key: str, value: Value) -> Path:
    """Set one setting, writing the file atomically with owner-only permissions."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = read_config()
    config[key] = value
    lines = [f"{name} = {_toml(item)}" for name, item in config.items()]
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path


def _toml(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def known_coder(option: str | None = None) -> str | None:
    """The coder's name from the option, $QUALCODE_CODER or the settings file, if any."""
    for candidate in (option, os.environ.get(ENV_CODER), read_config().get("coder")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def save_coder(name: str) -> Path:
    name = " ".join(name.split())
    if not name:
        raise QualcodeError("a coder name cannot be empty")
    return save_setting("coder", name)
