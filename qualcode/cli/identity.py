"""Who is coding: from --coder, the QUALCODE_CODER variable, or the user config file.

Asked once on a terminal and remembered, because peer researchers should not have
to type their name for every command, and every coding must say who made it.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import click
import platformdirs

ENV_CODER = "QUALCODE_CODER"
ENV_CONFIG_DIR = "QUALCODE_CONFIG_DIR"
ENV_DATA_DIR = "QUALCODE_DATA_DIR"


def config_dir() -> Path:
    return Path(os.environ.get(ENV_CONFIG_DIR) or platformdirs.user_config_dir("qualcode"))


def data_dir() -> Path:
    return Path(os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_dir("qualcode"))


def config_path() -> Path:
    return config_dir() / "config.toml"


def read_config() -> dict[str, object]:
    path = config_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path}: cannot read the config file ({error})") from error


def save_coder(name: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = read_config()
    config["coder"] = name
    lines = [f"{key} = {_toml_string(str(value))}" for key, value in config.items()]
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def resolve_coder(option: str | None) -> str:
    """The coder's name, asking once (and remembering) when nothing says it."""
    for candidate in (option, os.environ.get(ENV_CODER), read_config().get("coder")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    if not sys.stdin.isatty():
        raise click.ClickException(
            f"who is coding? pass --coder NAME, set {ENV_CODER}, or run qualcode once in a "
            "terminal to be asked"
        )
    name = click.prompt("Your name as a coder (it is shown beside your codings)").strip()
    if not name:
        raise click.ClickException("a coder name is needed")
    path = save_coder(name)
    click.echo(f"Saved; qualcode will use '{name}' from now on (change it in {path}).", err=True)
    return name
