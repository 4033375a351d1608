"""Single sign-on settings from environment variables (documented in README.md)."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from wol.errors import ConfigError

MODES = ("passwords", "both", "sso")
EMAIL_CLAIMS = ("email", "preferred_username", "upn")
# The roles of wol.auth.models.ROLES (not imported: configuration is read before any model).
ROLES = ("organiser", "translator", "admin")


def _role_map(value: str) -> dict[str, str]:
    """Read ``group=role,group=role`` into {group: role}; ConfigError names a bad entry."""
    mapping: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        group, sep, role = entry.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group or role not in ROLES:
            raise ConfigError(
                f"WOL_SSO_ROLES: {entry!r} is not 'group=role' with a role among "
                f"{', '.join(ROLES)}."
            )
        mapping[group] = role
    return mapping


def load_sso_config(env: Mapping[str, str]) -> dict:
    """The SSO_* configuration keys, read from ``env``."""
    issuer = (env.get("WOL_SSO_ISSUER") or "").strip().rstrip("/") or None
    return {
        # passwords (default without an issuer), both (default with one), or sso only.
        "SSO_MODE": (env.get("WOL_SSO_MODE") or ("both" if issuer else "passwords")).strip(),
        "SSO_ISSUER": issuer,
        "SSO_CLIENT_ID": env.get("WOL_SSO_CLIENT_ID") or None,
        "SSO_CLIENT_SECRET": env.get("WOL_SSO_CLIENT_SECRET") or None,
        "SSO_BUTTON_LABEL": env.get("WOL_SSO_BUTTON_LABEL") or None,
        "SSO_SCOPES": env.get("WOL_SSO_SCOPES") or "openid email profile",
        "SSO_EMAIL_CLAIM": env.get("WOL_SSO_EMAIL_CLAIM") or "email",
        "SSO_GROUPS_CLAIM": env.get("WOL_SSO_GROUPS_CLAIM") or "groups",
        "SSO_ROLES": _role_map(env.get("WOL_SSO_ROLES") or ""),
        "SSO_ORGANISATION_CLAIM": env.get("WOL_SSO_ORGANISATION_CLAIM") or "department",
        "SSO_HTTP_TIMEOUT": float(env.get("WOL_SSO_HTTP_TIMEOUT", "10")),
        # How long the provider's discovery document is trusted before it is fetched again.
        "SSO_METADATA_SECONDS": int(env.get("WOL_SSO_METADATA_SECONDS", "3600")),
        "SSO_LOGIN_LINK_MINUTES": int(env.get("WOL_SSO_LOGIN_LINK_MINUTES", "15")),
    }


def check_sso_config(config: Mapping) -> None:
    """Refuse a single sign-on setup that cannot work, saying what to fix."""
    mode = config.get("SSO_MODE", "passwords")
    if mode not in MODES:
        raise ConfigError(f"WOL_SSO_MODE must be one of {', '.join(MODES)}.")
    if config.get("SSO_EMAIL_CLAIM", "email") not in EMAIL_CLAIMS:
        raise ConfigError(f"WOL_SSO_EMAIL_CLAIM must be one of {', '.join(EMAIL_CLAIMS)}.")
    if mode == "passwords":
        return
    missing = [
        name
        for name, key in (
            ("WOL_SSO_ISSUER", "SSO_ISSUER"),
            ("WOL_SSO_CLIENT_ID", "SSO_CLIENT_ID"),
            ("WOL_SSO_CLIENT_SECRET", "SSO_CLIENT_SECRET"),
        )
        if not config.get(key)
    ]
    if missing:
        raise ConfigError(f"WOL_SSO_MODE={mode} needs {', '.join(missing)}.")
    issuer = urlsplit(config["SSO_ISSUER"])
    loopback = issuer.hostname in {"127.0.0.1", "localhost", "::1"}
    if issuer.scheme != "https" and not (issuer.scheme == "http" and loopback):
        raise ConfigError("WOL_SSO_ISSUER must be an https:// address.")
    if "openid" not in config.get("SSO_SCOPES", "").split():
        raise ConfigError("WOL_SSO_SCOPES must include openid.")
