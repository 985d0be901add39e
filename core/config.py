"""Configuration from ``SHOUDI_*`` environment variables, validated at start-up.

Sources, later ones winning: built-in defaults, the instance file ``shoudi.env`` (written by
``make run`` with locally generated secrets, never committed), the process environment, and
finally the ``test_config`` mapping handed to ``create_app``.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import Mapping

from domain import audit_retention
from domain.channels import parse_rate_limit

ENV_PREFIX = "SHOUDI_"
INSTANCE_ENV_FILE = "shoudi.env"

# Known-insecure values used only in development and testing. Production refuses them.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"
DEV_DATA_KEY = base64.urlsafe_b64encode(b"dev-insecure-data-key-change-me!").decode()

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message lists every problem found."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a simple ``KEY=VALUE`` file (blank lines and ``#`` comments ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _bool(value: str | bool | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"应为整数：{value}") from None


def decode_data_key(value: str) -> bytes:
    """The data-encryption master key: 32 bytes, URL-safe base64 encoded."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ConfigError("SHOUDI_DATA_KEY 不是有效的 base64 编码") from exc
    if len(raw) != 32:
        raise ConfigError("SHOUDI_DATA_KEY 解码后应为 32 字节")
    return raw


def load_config(instance_path: str, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, object] | None = None) -> dict[str, object]:
    """Build the Flask config mapping and validate it. Raises ConfigError on any problem."""
    environ = os.environ if environ is None else environ
    file_values = read_env_file(Path(instance_path) / INSTANCE_ENV_FILE)

    def get(name: str, default: str | None = None) -> str | None:
        key = ENV_PREFIX + name
        if key in environ and environ[key] != "":
            return environ[key]
        return file_values.get(key, default)

    env = get("ENV", "development")
    cfg: dict[str, object] = {
        "SHOUDI_ENV": env,
        "SECRET_KEY": get("SECRET_KEY"),
        "SHOUDI_DATA_KEY": get("DATA_KEY"),
        "SQLALCHEMY_DATABASE_URI": get(
            "DATABASE_URL", "sqlite:///" + str(Path(instance_path) / "shoudi.db")),
        "SHOUDI_UPLOAD_FOLDER": get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        "SHOUDI_REDIS_URL": get("REDIS_URL") or None,
        # Tests run queued work at once in the same process; elsewhere a consumer runs it.
        "SHOUDI_JOBS_IMMEDIATE": get("JOBS_IMMEDIATE"),
        # How much the consumer lowers its CPU priority (os.nice; 0 keeps it): its work waits
        # anyway, so requests sharing the machine go first.
        "SHOUDI_WORKER_NICE": _int(get("WORKER_NICE"), 10),
        # The queue's SQLite file when there is no Redis (make run).
        "SHOUDI_QUEUE_FILE": get("QUEUE_FILE", str(Path(instance_path) / "queue.db")),
        # Where stored files live: "local" (SHOUDI_UPLOAD_FOLDER) or "s3".
        "SHOUDI_FILE_STORE": get("FILE_STORE", "local"),
        # S3-compatible object storage (MinIO, Aliyun OSS, Tencent COS) when FILE_STORE is "s3".
        # Without an access key boto3 looks for credentials where it always does (its own
        # environment variables, the instance role).
        "SHOUDI_S3_ENDPOINT_URL": get("S3_ENDPOINT_URL") or None,
        "SHOUDI_S3_BUCKET": get("S3_BUCKET") or None,
        "SHOUDI_S3_ACCESS_KEY": get("S3_ACCESS_KEY") or None,
        "SHOUDI_S3_SECRET_KEY": get("S3_SECRET_KEY") or None,
        "SHOUDI_S3_REGION": get("S3_REGION") or None,
        "SHOUDI_S3_PREFIX": get("S3_PREFIX", ""),
        # "path" for MinIO; "virtual" for OSS and COS; "auto" lets boto3 choose.
        "SHOUDI_S3_ADDRESSING_STYLE": get("S3_ADDRESSING_STYLE", "auto"),
        "SHOUDI_LOG_LEVEL": get("LOG_LEVEL", "INFO"),
        # PostgreSQL: psycopg prepares a statement on the server once it has run this many times
        # on a connection; "off" for a pooler that cannot keep prepared statements (PgBouncer
        # before 1.21, or without max_prepared_statements, in transaction mode).
        "SHOUDI_DB_PREPARE_THRESHOLD": get("DB_PREPARE_THRESHOLD", "5"),
        # Werkzeug's method string; scrypt (salted, memory-hard) unless deliberately changed.
        "SHOUDI_PASSWORD_HASH": get("PASSWORD_HASH", "scrypt"),
        "SESSION_COOKIE_SECURE": _bool(get("SESSION_COOKIE_SECURE"), env == "production"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Three phone photos sent without JavaScript (no shrinking) must still fit.
        "MAX_CONTENT_LENGTH": _int(get("MAX_CONTENT_LENGTH"), 32 * 1024 * 1024),
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-For is trusted, so
        # the audit log records the client's address rather than the proxy's.
        "SHOUDI_TRUSTED_PROXIES": _int(get("TRUSTED_PROXIES"), 0),
        # The public address printed in QR codes (e.g. https://shoudi.example.gov.cn); sheets
        # stay on walls for years, so it must not depend on how staff reached the server.
        "SHOUDI_PUBLIC_URL": (get("PUBLIC_URL") or "").rstrip("/") or None,
        # A font with Chinese glyphs for the printed 明白纸 (Debian: fonts-noto-cjk).
        # A staff session lasts a working day, and locks after this many idle minutes.
        "SHOUDI_SESSION_HOURS": _int(get("SESSION_HOURS"), 10),
        "SHOUDI_IDLE_MINUTES": _int(get("IDLE_MINUTES"), 30),
        # Guessing (等保 登录失败处理): wrong passwords in a row before the account locks, and
        # for how long; web and API count together.
        "SHOUDI_LOGIN_MAX_FAILURES": _int(get("LOGIN_MAX_FAILURES"), 5),
        "SHOUDI_LOGIN_LOCK_MINUTES": _int(get("LOGIN_LOCK_MINUTES"), 30),
        # Failed logins per client address and login name, and per client address over all
        # names (both login routes together). Only failures count: a county office behind one
        # address logging in at 08:30 is never held up.
        "SHOUDI_LOGIN_RATE_LIMIT": get("LOGIN_RATE_LIMIT", "10 per minute"),
        "SHOUDI_LOGIN_ADDRESS_LIMIT": get("LOGIN_ADDRESS_LIMIT", "30 per minute;200 per hour"),
        # 定期更换: days after which a password must be changed at the next login (0: never).
        "SHOUDI_PASSWORD_MAX_DAYS": _int(get("PASSWORD_MAX_DAYS"), 0),
        # Per client address. Farmers behind one carrier NAT share an address: keep them generous.
        "SHOUDI_REPORT_RATE_LIMIT": get("REPORT_RATE_LIMIT", "20 per minute;300 per day"),
        "SHOUDI_TRACK_RATE_LIMIT": get("TRACK_RATE_LIMIT", "10 per minute;100 per hour"),
        "SHOUDI_RECOVER_ID_RATE_LIMIT": get("RECOVER_ID_RATE_LIMIT", "5 per hour;10 per day"),
        # Days an audit entry stays in the live table before the nightly job archives it to the
        # file store (archives are kept): at least 180 (网络安全法第二十一条, six months).
        "SHOUDI_AUDIT_RETENTION_DAYS": _int(get("AUDIT_RETENTION_DAYS"), audit_retention.DEFAULT_DAYS),
        "SHOUDI_CJK_FONT": get("CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        # Messages beyond the app (services.notifications.channels). A channel without its keys
        # is off. SMS through Aliyun 短信服务 (dysmsapi, RPC style, signature v1):
        "SHOUDI_SMS_ENDPOINT": get("SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
        "SHOUDI_SMS_ACCESS_KEY_ID": get("SMS_ACCESS_KEY_ID") or None,
        "SHOUDI_SMS_ACCESS_KEY_SECRET": get("SMS_ACCESS_KEY_SECRET") or None,
        "SHOUDI_SMS_SIGN_NAME": get("SMS_SIGN_NAME") or None,
        "SHOUDI_SMS_TEMPLATE_STAFF": get("SMS_TEMPLATE_STAFF") or None,
        "SHOUDI_SMS_TEMPLATE_FARMER": get("SMS_TEMPLATE_FARMER") or None,
        # At most this many messages per phone number (or WeChat) and window, whatever their kind.
        "SHOUDI_CHANNEL_RATE_LIMIT": get("CHANNEL_RATE_LIMIT", "1/minute;5/hour;10/day"),
        # Tries before a message that keeps failing is given up (back-off 1, 2, 4 … minutes).
        "SHOUDI_CHANNEL_MAX_ATTEMPTS": _int(get("CHANNEL_MAX_ATTEMPTS"), 8),
        "SHOUDI_CHANNEL_TIMEOUT": _int(get("CHANNEL_TIMEOUT"), 10),
        # WeChat mini program: subscribe messages and binding a WeChat (jscode2session).
        "SHOUDI_WECHAT_API_BASE": get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        "SHOUDI_WECHAT_APPID": get("WECHAT_APPID") or None,
        "SHOUDI_WECHAT_SECRET": get("WECHAT_SECRET") or None,
        "SHOUDI_WECHAT_TEMPLATE_STAFF": get("WECHAT_TEMPLATE_STAFF") or None,
        "SHOUDI_WECHAT_TEMPLATE_FARMER": get("WECHAT_TEMPLATE_FARMER") or None,
        "SHOUDI_WECHAT_PAGE_STAFF": get("WECHAT_PAGE_STAFF", "pages/index/index"),
        "SHOUDI_WECHAT_PAGE_FARMER": get("WECHAT_PAGE_FARMER", "pages/track/index"),
        "TESTING": env == "testing",
    }
    if overrides:
        cfg.update(overrides)
        env = str(cfg["SHOUDI_ENV"])
    cfg["SHOUDI_JOBS_IMMEDIATE"] = _bool(cfg["SHOUDI_JOBS_IMMEDIATE"], env == "testing")
    validate(cfg)
    return cfg


def validate(cfg: dict[str, object]) -> None:
    """Check the assembled configuration; fill development defaults where that is safe."""
    problems: list[str] = []
    env = cfg.get("SHOUDI_ENV")
    if env not in ENVIRONMENTS:
        problems.append(f"SHOUDI_ENV 应为 {', '.join(ENVIRONMENTS)} 之一")
    production = env == "production"

    secret = cfg.get("SECRET_KEY")
    if production and (not secret or secret == DEV_SECRET_KEY):
        problems.append("生产环境必须设置 SHOUDI_SECRET_KEY，且不能使用默认值")
    elif production and len(str(secret)) < 32:
        problems.append("SHOUDI_SECRET_KEY 至少 32 个字符")
    elif not secret:
        cfg["SECRET_KEY"] = DEV_SECRET_KEY

    data_key = cfg.get("SHOUDI_DATA_KEY")
    if production and (not data_key or data_key == DEV_DATA_KEY):
        problems.append("生产环境必须设置 SHOUDI_DATA_KEY（个人信息加密密钥），且不能使用默认值")
    elif not data_key:
        cfg["SHOUDI_DATA_KEY"] = DEV_DATA_KEY
    if cfg.get("SHOUDI_DATA_KEY"):
        try:
            decode_data_key(str(cfg["SHOUDI_DATA_KEY"]))
        except ConfigError as exc:
            problems.append(str(exc))

    if prepare_threshold(cfg) is INVALID:
        problems.append("SHOUDI_DB_PREPARE_THRESHOLD 应为不小于0的整数，或 off（不在服务器上预备语句）")
    for key in ("SHOUDI_SESSION_HOURS", "SHOUDI_IDLE_MINUTES", "SHOUDI_LOGIN_MAX_FAILURES",
                "SHOUDI_LOGIN_LOCK_MINUTES"):
        if not isinstance(cfg.get(key), int) or cfg[key] < 1:
            problems.append(f"{key} 应为正整数")
    if not isinstance(cfg.get("SHOUDI_PASSWORD_MAX_DAYS"), int) or cfg["SHOUDI_PASSWORD_MAX_DAYS"] < 0:
        problems.append("SHOUDI_PASSWORD_MAX_DAYS 应为 0（不限）或正整数")

    try:
        parse_rate_limit(str(cfg.get("SHOUDI_CHANNEL_RATE_LIMIT") or ""))
    except ValueError:
        problems.append("SHOUDI_CHANNEL_RATE_LIMIT 应形如 1/minute;5/hour;10/day")
    retention = audit_retention.retention_problem(cfg.get("SHOUDI_AUDIT_RETENTION_DAYS"))
    if retention:
        problems.append(retention)

    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        problems.append("SHOUDI_DATABASE_URL 不能为空")
    problems.extend(_file_store_problems(cfg))
    if problems:
        raise ConfigError("配置有误：\n- " + "\n- ".join(problems))


_S3_PREFIX = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")


def _file_store_problems(cfg: dict[str, object]) -> list[str]:
    kind = cfg.get("SHOUDI_FILE_STORE") or "local"
    if kind not in ("local", "s3"):
        return ["SHOUDI_FILE_STORE 应为 local（本机目录）或 s3（对象存储）"]
    if kind != "s3":
        return []
    problems = []
    if not cfg.get("SHOUDI_S3_BUCKET"):
        problems.append("SHOUDI_FILE_STORE=s3 时必须设置 SHOUDI_S3_BUCKET（对象存储的存储桶名称）")
    if bool(cfg.get("SHOUDI_S3_ACCESS_KEY")) != bool(cfg.get("SHOUDI_S3_SECRET_KEY")):
        problems.append("SHOUDI_S3_ACCESS_KEY 和 SHOUDI_S3_SECRET_KEY 应同时设置")
    if (cfg.get("SHOUDI_S3_ADDRESSING_STYLE") or "auto") not in ("auto", "path", "virtual"):
        problems.append("SHOUDI_S3_ADDRESSING_STYLE 应为 auto、path（MinIO）或 virtual（OSS、COS）")
    prefix = str(cfg.get("SHOUDI_S3_PREFIX") or "").strip("/")
    if prefix and (not _S3_PREFIX.match(prefix) or len(prefix) > 100):
        problems.append("SHOUDI_S3_PREFIX 只能由字母、数字、-、_ 和 / 组成")
    endpoint = str(cfg.get("SHOUDI_S3_ENDPOINT_URL") or "")
    if endpoint and not endpoint.startswith(("https://", "http://")):
        problems.append("SHOUDI_S3_ENDPOINT_URL 应以 https:// 开头（内网 MinIO 可用 http://）")
    return problems


def generate_instance_secrets(instance_path: str) -> bool:
    """Write fresh secrets to the instance env file unless it already has them.

    Returns True when a file was written. Existing keys are never replaced: a new data key
    would make every encrypted ID number and phone unreadable.
    """
    path = Path(instance_path) / INSTANCE_ENV_FILE
    existing = read_env_file(path)
    lines = []
    if ENV_PREFIX + "SECRET_KEY" not in existing:
        lines.append(f"{ENV_PREFIX}SECRET_KEY={base64.urlsafe_b64encode(os.urandom(48)).decode()}")
    if ENV_PREFIX + "DATA_KEY" not in existing:
        lines.append(f"{ENV_PREFIX}DATA_KEY={base64.urlsafe_b64encode(os.urandom(32)).decode()}")
    if not lines:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        if not existing:
            fh.write("# Local secrets generated by `make run`. Never commit this file.\n")
        fh.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return True


INVALID = object()


def prepare_threshold(cfg) -> int | None | object:
    """SHOUDI_DB_PREPARE_THRESHOLD as psycopg takes it (None: never prepare), or ``INVALID``."""
    raw = str(cfg.get("SHOUDI_DB_PREPARE_THRESHOLD", "5")).strip().lower()
    if raw == "off":
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else INVALID
