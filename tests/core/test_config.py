import os

import pytest

from core.config import (DEV_DATA_KEY, DEV_SECRET_KEY, ConfigError, generate_instance_secrets,
                         load_config, prepare_threshold, read_env_file)
from shoudi import create_app

GOOD_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
GOOD_SECRET = "x" * 40


def test_development_falls_back_to_dev_secrets(tmp_path):
    cfg = load_config(str(tmp_path), environ={})
    assert cfg["SECRET_KEY"] == DEV_SECRET_KEY
    assert cfg["SHOUDI_DATA_KEY"] == DEV_DATA_KEY
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'shoudi.db'}"


@pytest.mark.parametrize("environ, expected", [
    ({}, "SHOUDI_SECRET_KEY"),
    ({"SHOUDI_SECRET_KEY": DEV_SECRET_KEY, "SHOUDI_DATA_KEY": GOOD_KEY}, "SHOUDI_SECRET_KEY"),
    ({"SHOUDI_SECRET_KEY": "short", "SHOUDI_DATA_KEY": GOOD_KEY}, "至少 32 个字符"),
    ({"SHOUDI_SECRET_KEY": GOOD_SECRET}, "SHOUDI_DATA_KEY"),
    ({"SHOUDI_SECRET_KEY": GOOD_SECRET, "SHOUDI_DATA_KEY": DEV_DATA_KEY}, "SHOUDI_DATA_KEY"),
    ({"SHOUDI_SECRET_KEY": GOOD_SECRET, "SHOUDI_DATA_KEY": "not-base64!"}, "base64"),
    ({"SHOUDI_SECRET_KEY": GOOD_SECRET, "SHOUDI_DATA_KEY": "c2hvcnQ="}, "32 字节"),
])
def test_production_refuses_missing_or_default_secrets(tmp_path, environ, expected):
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path), environ={"SHOUDI_ENV": "production", **environ})
    assert expected in str(info.value)


def _no_shoudi_environment(monkeypatch):
    for key in list(os.environ):
        if key.startswith("SHOUDI_"):
            monkeypatch.delenv(key)


def test_production_app_refuses_to_start_without_secret(tmp_path, monkeypatch):
    # An instance folder of its own: the project's instance/shoudi.env (written by make run)
    # holds real secrets and must not make this pass or fail.
    _no_shoudi_environment(monkeypatch)
    monkeypatch.setenv("SHOUDI_ENV", "production")
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path / "instance"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_app_takes_its_instance_folder_from_the_test_config(tmp_path, monkeypatch):
    _no_shoudi_environment(monkeypatch)
    instance = tmp_path / "elsewhere"
    assert generate_instance_secrets(str(instance)) is True
    given = {"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    app = create_app(given)
    assert app.instance_path == str(instance)
    assert app.config["SECRET_KEY"] == read_env_file(instance / "shoudi.env")["SHOUDI_SECRET_KEY"]
    assert "INSTANCE_PATH" not in app.config and "INSTANCE_PATH" in given  # the caller's dict is kept


def test_test_apps_never_use_the_project_instance_folder(app):
    project_instance = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "instance")
    assert os.path.realpath(app.instance_path) != os.path.realpath(project_instance)


def test_production_starts_with_real_secrets(tmp_path):
    cfg = load_config(str(tmp_path), environ={
        "SHOUDI_ENV": "production", "SHOUDI_SECRET_KEY": GOOD_SECRET, "SHOUDI_DATA_KEY": GOOD_KEY,
        "SHOUDI_DATABASE_URL": "postgresql+psycopg://db/shoudi", "SHOUDI_REDIS_URL": "redis://r:6379/0"})
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/shoudi"
    assert cfg["SHOUDI_REDIS_URL"] == "redis://r:6379/0"


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SHOUDI_ENV"):
        load_config(str(tmp_path), environ={"SHOUDI_ENV": "staging"})


def test_instance_file_is_read_and_environment_wins(tmp_path):
    (tmp_path / "shoudi.env").write_text(
        "# local\nSHOUDI_SECRET_KEY=from-file\nSHOUDI_UPLOAD_FOLDER='/srv/up'\n", encoding="utf-8")
    cfg = load_config(str(tmp_path), environ={"SHOUDI_UPLOAD_FOLDER": "/env/up"})
    assert cfg["SECRET_KEY"] == "from-file"
    assert cfg["SHOUDI_UPLOAD_FOLDER"] == "/env/up"


def test_generated_secrets_are_kept_on_second_run(tmp_path):
    assert generate_instance_secrets(str(tmp_path)) is True
    first = read_env_file(tmp_path / "shoudi.env")
    assert generate_instance_secrets(str(tmp_path)) is False
    assert read_env_file(tmp_path / "shoudi.env") == first
    assert oct((tmp_path / "shoudi.env").stat().st_mode & 0o777) == "0o600"
    # the generated values are usable in production
    cfg = load_config(str(tmp_path), environ={"SHOUDI_ENV": "production"})
    assert cfg["SECRET_KEY"] == first["SHOUDI_SECRET_KEY"]


def test_trusted_proxy_count_must_be_a_number(tmp_path):
    assert load_config(str(tmp_path), environ={"SHOUDI_TRUSTED_PROXIES": "1"})["SHOUDI_TRUSTED_PROXIES"] == 1
    with pytest.raises(ConfigError, match="整数"):
        load_config(str(tmp_path), environ={"SHOUDI_TRUSTED_PROXIES": "one"})


def test_statement_preparing_is_a_count_or_off(tmp_path):
    assert prepare_threshold(load_config(str(tmp_path), environ={})) == 5
    assert prepare_threshold(load_config(str(tmp_path), environ={"SHOUDI_DB_PREPARE_THRESHOLD": "OFF"})) is None
    assert prepare_threshold(load_config(str(tmp_path), environ={"SHOUDI_DB_PREPARE_THRESHOLD": "0"})) == 0
    for bad in ("-1", "five", "²", "1e3"):
        with pytest.raises(ConfigError, match="SHOUDI_DB_PREPARE_THRESHOLD"):
            load_config(str(tmp_path), environ={"SHOUDI_DB_PREPARE_THRESHOLD": bad})
