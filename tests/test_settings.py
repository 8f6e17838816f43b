"""Settings come from defaults, a TOML file and PLATEWARD_* variables, and refuse nonsense."""

from __future__ import annotations

from pathlib import Path

import pytest

from plateward.errors import ConfigurationError
from plateward.settings import load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PLATEWARD_CONFIG", "PLATEWARD_RECOGNITION__THREADS", "PLATEWARD_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_any_file() -> None:
    settings = load_settings()
    assert settings.recognition.threads == 2
    assert settings.recognition.detector == "platedet"


def test_file_then_environment_then_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "site.toml"
    config.write_text('data_dir = "/srv/plateward"\n[recognition]\nthreads = 1\nalternatives = 3\n')
    settings = load_settings(config)
    assert (settings.recognition.threads, settings.recognition.alternatives) == (1, 3)
    assert settings.data_dir == Path("/srv/plateward")
    monkeypatch.setenv("PLATEWARD_RECOGNITION__THREADS", "4")
    assert load_settings(config).recognition.threads == 4
    assert load_settings(config, data_dir=Path("/tmp/x")).data_dir == Path("/tmp/x")


def test_plateward_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "plateward.toml").write_text("[video]\nmax_fps = 5.0\n")
    assert load_settings().video.max_fps == 5.0


def test_config_named_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "env.toml"
    config.write_text("[recognition]\nthreads = 3\n")
    monkeypatch.setenv("PLATEWARD_CONFIG", str(config))
    assert load_settings().recognition.threads == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[recognition]\nthreds = 1\n", "recognition.threds: Extra inputs are not permitted"),
        ("[recognition]\nthreads = 0\n", "recognition.threads"),
        ('[recognition]\ndetector = "yolo"\n', "recognition.detector"),
    ],
)
def test_bad_settings_fail_with_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_settings(config)
    assert str(config) in caught.value.message
    assert "\n" not in caught.value.message


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="configuration file not found"):
        load_settings(tmp_path / "absent.toml")


def test_plate_regions_must_be_known(tmp_path: Path) -> None:
    config = tmp_path / "regions.toml"
    config.write_text('[recognition]\nplate_regions = ["us-ca", "eu"]\n')
    assert load_settings(config).recognition.plate_regions == ("us-ca", "eu")
    config.write_text('[recognition]\nplate_regions = ["us-zz"]\n')
    with pytest.raises(ConfigurationError, match="unknown plate region.*us-zz"):
        load_settings(config)
