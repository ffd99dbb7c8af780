"""config/defaults.env documents every setting, with the real default: it cannot drift."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from pydantic import SecretStr, TypeAdapter

from worker.core.settings import Settings

DEFAULTS_ENV = Path(__file__).resolve().parents[2] / "config" / "defaults.env"
ACTIVE = re.compile(r"^(INGEST_[A-Z0-9_]+)=")
# A setting whose default is "unset" (None) is listed commented out: an empty value
# would be parsed as "" and rejected, not read as None.
COMMENTED = re.compile(r"^#\s*(INGEST_[A-Z0-9_]+)=\s*$")

FIELDS = Settings.model_fields


def env_name(field: str) -> str:
    return f"INGEST_{field.upper()}"


def documented() -> dict[str, list[str]]:
    """Each setting line of the file, with the comment lines right above it."""
    found: dict[str, list[str]] = {}
    comments: list[str] = []
    for raw in DEFAULTS_ENV.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        match = ACTIVE.match(line) or COMMENTED.match(line)
        if match:
            found[match.group(1)] = comments
            comments = []
        elif line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        else:
            comments = []
    return found


def plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_has_a_description(field: str) -> None:
    description = FIELDS[field].description
    assert description and description.strip(), f"Settings.{field} needs a description"


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_is_documented_with_its_description(field: str) -> None:
    docs = documented()
    name = env_name(field)
    assert name in docs, f"add {name} to config/defaults.env"
    assert FIELDS[field].description in docs[name], (
        f"put '# {FIELDS[field].description}' on the line above {name} in config/defaults.env"
    )


@pytest.mark.parametrize("field", list(FIELDS))
def test_documented_default_is_the_real_default(field: str) -> None:
    info = FIELDS[field]
    name = env_name(field)
    values = dotenv_values(DEFAULTS_ENV)
    if info.default is None:
        assert name not in values, f"{name} defaults to unset: list it commented out, '# {name}='"
        assert name in documented(), f"add '# {name}=' to config/defaults.env"
        return
    assert name in values, f"add {name}=... to config/defaults.env"
    assert info.annotation is not None
    adapter = TypeAdapter(info.annotation)
    raw = values[name] or ""
    # A mapping or list setting is written as JSON, as pydantic-settings reads it.
    parsed = (
        adapter.validate_json(raw) if raw.startswith(("{", "[")) else adapter.validate_python(raw)
    )
    assert plain(parsed) == plain(info.default), (
        f"{name} in config/defaults.env is {values[name]!r}; the default is {plain(info.default)!r}"
    )


def test_no_unknown_setting_is_documented() -> None:
    known = {env_name(field) for field in FIELDS}
    assert set(documented()) <= known, set(documented()) - known


def test_loading_the_file_gives_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    # The file as pydantic-settings reads it (quoting and all), without the caller's INGEST_*.
    for key in [k for k in os.environ if k.startswith("INGEST_")]:
        monkeypatch.delenv(key)
    from_file = Settings(_env_file=DEFAULTS_ENV)  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for field in FIELDS:
        assert plain(getattr(from_file, field)) == plain(getattr(defaults, field)), field
