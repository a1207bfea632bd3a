"""Settings: file plus environment, one clear line for every mistake, no token in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from core.config import ConfigError, load_settings
from core.logsetup import RedactFilter


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_need_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database.url == "sqlite+aiosqlite:///gridbot.db"
    assert settings.telegram.api_base == "https://api.telegram.org"


def test_the_example_config_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    settings = load_settings(example)
    text = example.read_text(encoding="utf-8")
    for section, model in settings:
        for key in type(model).model_fields:
            documented = f"{key} =" in text or f"[{section}.{key}" in text
            assert documented, f"{section}.{key} undocumented"


def test_unknown_key_names_the_key_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntokn = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value) == f"config error in {path}: telegram.tokn: unknown key"


def test_wrong_type_names_the_key_and_the_value(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\npolling_timeout = "soon"\n')
    with pytest.raises(ConfigError, match=r"telegram\.polling_timeout: .*'soon'"):
        load_settings(path)


def test_missing_file_and_broken_toml_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[telegram\n"))


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite+aiosqlite:///file.db"\n')
    monkeypatch.setenv("GRIDBOT_DATABASE_URL", "postgresql+asyncpg://db/grid")
    monkeypatch.setenv("GRIDBOT_TOKEN", "42:ENVTOKEN")
    monkeypatch.setenv("GRIDBOT_TELEGRAM__POLLING_TIMEOUT", "7")
    settings = load_settings(path)
    assert settings.database.url == "postgresql+asyncpg://db/grid"
    assert settings.require_token() == "42:ENVTOKEN"
    assert settings.telegram.polling_timeout == 7


def test_bad_environment_value_says_it_came_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIDBOT_TELEGRAM__POLLING_TIMEOUT", "often")
    with pytest.raises(ConfigError, match=r"in the GRIDBOT_\* environment: telegram\.polling"):
        load_settings(write(tmp_path, ""))


def test_token_is_required_only_against_the_real_telegram(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"telegram\.token: missing"):
        load_settings(write(tmp_path, "")).require_token()
    local = load_settings(write(tmp_path, '[telegram]\napi_base = "http://127.0.0.1:8081"\n'))
    assert local.require_token()


def test_the_token_is_secret_in_reprs_and_errors(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[telegram]\ntoken = "123:VERYSECRET"\n'))
    assert "VERYSECRET" not in repr(settings)
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, "[telegram]\ntoken = 123456\n"))
    assert "123456" not in str(err.value)


def test_log_lines_never_show_the_token(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    caplog.handler.addFilter(RedactFilter(["123:VERYSECRET"]))
    logger.warning("calling https://api.telegram.org/bot%s/getMe", "123:VERYSECRET")
    assert "VERYSECRET" not in caplog.text
    assert "bot***/getMe" in caplog.text


def test_the_district_zone_comes_from_the_config(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from core.timezone import district_zone

    settings = load_settings(write(tmp_path, '[tickets]\ntimezone = "Asia/Urumqi"\n'))
    assert district_zone(settings) is ZoneInfo("Asia/Urumqi")


def test_only_the_helper_reads_the_zone_name() -> None:
    """Every local time goes through core.timezone.district_zone, so one helper decides it."""
    from tests.test_vocabulary import ROOT, SOURCES

    readers = [
        str(path.relative_to(ROOT))
        for path in SOURCES
        if "tickets.timezone" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["core/timezone.py"]
