"""Where the configuration file is, and a starter one (`monitor init`)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from monitor.errors import ConfigError


def config_places() -> list[Path]:
    """Where a configuration file is looked for, in order, when -c and $MONITOR_CONFIG are
    not given: the project's folder, the user's, then the machine's."""
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [
        Path("config/monitor.yaml"),
        home / "competitor-monitor" / "monitor.yaml",
        Path("/etc/competitor-monitor/monitor.yaml"),
    ]


def find_config(given: Path | None) -> Path:
    """-c FILE, else $MONITOR_CONFIG, else the first of config_places() that exists."""
    if given is not None:
        return given
    if env := os.environ.get("MONITOR_CONFIG"):
        return Path(env)
    places = config_places()
    for place in places:
        if place.is_file():
            return place
    looked = ", ".join(str(p) for p in places)
    raise ConfigError(
        f"no configuration file found (looked in {looked}): run `monitor init` to write one "
        "from config/example.yaml, or pass -c FILE or set MONITOR_CONFIG"
    )


def example_text() -> str:
    """config/example.yaml, as shipped inside the package."""
    return resources.files("monitor").joinpath("example.yaml").read_text(encoding="utf-8")


def write_starter(target: Path, *, force: bool) -> Path:
    """Write the commented example to `target`; never over an existing file unless forced."""
    if target.is_dir():
        raise ConfigError(f"{target} is a folder; give the file's name, like {target}/monitor.yaml")
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists; pass --force to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(example_text(), encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write {target}: {error.strerror}") from None
    return target
