"""Settings: environment over `.env`, sandbox unless a real AppID is configured."""

from __future__ import annotations

from pathlib import Path

from bot.settings import SANDBOX_APPID, Settings, read_dotenv


def test_defaults_are_a_sandbox_on_a_local_sqlite_file() -> None:
    s = Settings.from_mapping({})
    assert s.sandbox and s.wechat_appid == SANDBOX_APPID
    assert s.database_url == "sqlite+aiosqlite:///var/yunkuaiji.db"
    assert s.api_base == "http://127.0.0.1:8080/sandbox"


def test_a_real_appid_turns_the_sandbox_off_unless_forced() -> None:
    real = Settings.from_mapping({"WECHAT_APPID": "wx1234567890abcdef"})
    assert not real.sandbox and real.api_base == "https://api.weixin.qq.com"
    forced = Settings.from_mapping({"WECHAT_APPID": "wx1234567890abcdef", "SANDBOX": "1"})
    assert forced.sandbox


def test_environment_wins_over_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        '# comment\nexport PORT=9000\nWECHAT_TOKEN="from-file"\nNLU_BACKEND=rasa\nbroken line\n'
    )
    assert read_dotenv(env_file) == {
        "PORT": "9000",
        "WECHAT_TOKEN": "from-file",
        "NLU_BACKEND": "rasa",
    }
    s = Settings.load({"PORT": "9100"}, env_file)
    assert (s.port, s.wechat_token, s.nlu_backend) == (9100, "from-file", "rasa")


def test_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert Settings.load({}, tmp_path / "absent.env").port == 8080
