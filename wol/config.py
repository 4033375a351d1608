"""Configuration from environment variables (documented in README.md)."""

import os
from pathlib import Path

from wol.errors import ConfigError

DEVELOPMENT_SECRET = "wol-development-only-secret"  # noqa: S105 - refused outside development


def _bool(value: str | None, default: bool = False) -> bool:
    """Read a yes/no environment value."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SQLITE_LOCK_WAIT_SECONDS = 30


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config from the environment, then apply ``overrides`` (tests)."""
    env = os.environ
    overrides = overrides or {}
    mode = overrides.get("WOL_ENV") or env.get("WOL_ENV", "development")
    instance = Path(instance_path)
    config = {
        "WOL_ENV": mode,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'wol.sqlite'}",
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "WOL_DEFAULT_LANGUAGE": env.get("WOL_DEFAULT_LANGUAGE", "nl"),
        "WOL_DEFAULT_TIMEZONE": env.get("WOL_DEFAULT_TIMEZONE", "Europe/Brussels"),
        "WOL_GUIDES_DIR": env.get("WOL_GUIDES_DIR") or None,
        # The quiet periods (holidays) circles are warned about; admins edit them in the app.
        "WOL_QUIET_PERIODS_FILE": env.get("WOL_QUIET_PERIODS_FILE") or None,
        "MAIL_BACKEND": env.get("MAIL_BACKEND") or ("smtp" if env.get("SMTP_HOST") else "file"),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR") or str(instance / "mail"),
        "MAIL_FROM": env.get("MAIL_FROM", "wol <wol@localhost>"),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_SSL": _bool(env.get("SMTP_SSL")),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "20")),
        "LOGIN_MAX_FAILURES_ACCOUNT": int(env.get("WOL_LOGIN_MAX_FAILURES_ACCOUNT", "5")),
        "LOGIN_MAX_FAILURES_IP": int(env.get("WOL_LOGIN_MAX_FAILURES_IP", "20")),
        "LOGIN_WINDOW_MINUTES": int(env.get("WOL_LOGIN_WINDOW_MINUTES", "15")),
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_SLOWDOWN_AFTER": int(env.get("WOL_LOGIN_SLOWDOWN_AFTER", "10")),
        "LOGIN_SLOWDOWN_SECONDS": int(env.get("WOL_LOGIN_SLOWDOWN_SECONDS", "10")),
        "PASSWORD_RESET_HOURS": int(env.get("WOL_PASSWORD_RESET_HOURS", "2")),
        # Circle health (wol/health/status.py): when a circle counts as forming, at risk...
        "HEALTH_MIN_MEMBERS_TO_START": int(env.get("WOL_HEALTH_MIN_MEMBERS_TO_START", "4")),
        "HEALTH_MIN_MEMBERS": int(env.get("WOL_HEALTH_MIN_MEMBERS", "3")),
        "HEALTH_UNRECORDED_GRACE_DAYS": int(env.get("WOL_HEALTH_UNRECORDED_GRACE_DAYS", "2")),
        "HEALTH_LOW_ATTENDANCE": int(env.get("WOL_HEALTH_LOW_ATTENDANCE", "2")),
        "HEALTH_MISSES_IN_A_ROW": int(env.get("WOL_HEALTH_MISSES_IN_A_ROW", "2")),
        "HEALTH_SILENT_DAYS": int(env.get("WOL_HEALTH_SILENT_DAYS", "21")),
        "PASSWORD_RESETS_PER_HOUR": int(env.get("WOL_PASSWORD_RESETS_PER_HOUR", "3")),
        "REGISTRATIONS_PER_HOUR": int(env.get("WOL_REGISTRATIONS_PER_HOUR", "3")),
        "REGISTRATION_HOURS": int(env.get("WOL_REGISTRATION_HOURS", "48")),
        "INVITES_PER_PERSON_PER_DAY": int(env.get("WOL_INVITES_PER_PERSON_PER_DAY", "30")),
        "INVITES_PER_CIRCLE_PER_DAY": int(env.get("WOL_INVITES_PER_CIRCLE_PER_DAY", "40")),
        # Reverse proxies in front of wol whose X-Forwarded-For/-Proto headers are believed.
        "TRUSTED_PROXIES": int(env.get("WOL_TRUSTED_PROXIES", "0")),
        # Strict-Transport-Security in production; 0 leaves the header out.
        "HSTS_SECONDS": int(env.get("WOL_HSTS_SECONDS", "31536000")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": mode == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": env.get("WOL_DEFAULT_LANGUAGE", "nl"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
    }
    # Single sign-on (wol/sso/config.py), imported on use: that package imports the whole app.
    from wol.sso.config import check_sso_config, load_sso_config

    config.update(load_sso_config(env))
    config.update(overrides)
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # SQLite lets one writer in at a time; the others wait for the lock (30 s, not the
        # driver's 5 s) instead of failing when many people press a button at once.
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {
            "timeout": SQLITE_LOCK_WAIT_SECONDS,
            **options.get("connect_args", {}),
        }
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if config["WOL_ENV"] == "production":
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True
    if not config["SECRET_KEY"]:
        if config["WOL_ENV"] in {"development", "testing"}:
            config["SECRET_KEY"] = DEVELOPMENT_SECRET
        else:
            raise ConfigError(
                "SECRET_KEY is not set. wol refuses to start in production without it: "
                "set SECRET_KEY to a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
    if config["WOL_ENV"] == "production" and config["SECRET_KEY"] == DEVELOPMENT_SECRET:
        raise ConfigError("SECRET_KEY is the development default; set a secret of your own.")
    if config["WOL_DEFAULT_LANGUAGE"] not in {"nl", "en"}:
        raise ConfigError("WOL_DEFAULT_LANGUAGE must be 'nl' or 'en'.")
    check_sso_config(config)
    return config
