"""Configuration from the environment (SPEC §10). Everything else lives in the settings table.

May import: service, sources.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from metarr.sources import registry

# the provider URL and key variables come from the source descriptors (metarr/sources/registry.py)
SECRET_ENV = ("METARR_API_KEY", *registry.key_vars().values())


class ConfigError(ValueError):
    """A METARR_* environment value that cannot be used."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    host: str = "127.0.0.1"
    port: int = 3000
    api_key_env: str | None = None
    log_level: str = "INFO"
    provider_urls: dict[str, str] = field(default_factory=dict)
    provider_keys: dict[str, str] = field(default_factory=dict)
    allow_hosts: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    lease_seconds: float = 30.0
    job_modules: tuple[str, ...] = ()   # extra job-type modules (tests, benchmarks)
    provider_limits: dict = field(default_factory=dict)   # provider -> sources.ratelimit.Limits
    provider_timeouts: dict = field(default_factory=dict)   # provider -> seconds an answer may take
    provider_cooldown: float = 60.0   # seconds an open circuit waits before a probe request

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def recycle_dir(self) -> Path:
        return self.data_dir / "recycle"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def own_dirs(self) -> tuple[str, ...]:
        """Metarr's own folders, which no library may hold or lie in."""
        return (str(self.data_dir), str(self.cache_dir))

    def secrets(self) -> list[str]:
        """Values that must never appear in a log line."""
        vals = [self.api_key_env or "", *self.provider_keys.values()]
        return [v for v in vals if v and len(v) >= 4]


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split(",") if x.strip())


def _num(env: dict[str, str], var: str, kind: type, default, most: float | None = None):
    raw = env.get(var)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{var} must be a {'whole ' if kind is int else ''}number, not {raw!r}") from None
    if not value > 0:   # also NaN
        raise ValueError(f"{var} must be above 0, not {raw!r}")
    if most is not None and value > most:
        raise ValueError(f"{var} must be at most {most:g}, not {raw!r}")
    return value


def load_config(env: dict[str, str] | None = None) -> Config:
    try:
        return _load(dict(os.environ if env is None else env))
    except ValueError as e:
        raise ConfigError(str(e)) from None


def _load(env: dict[str, str]) -> Config:
    data_dir = Path(env.get("METARR_DATA_DIR") or "./data").resolve()
    db_url = env.get("METARR_DATABASE_URL") or f"sqlite:///{data_dir / 'metarr.sqlite'}"
    return Config(
        data_dir=data_dir,
        database_url=db_url,
        host=env.get("METARR_HOST") or "127.0.0.1",
        port=_num(env, "METARR_PORT", int, 3000, most=65535),
        api_key_env=env.get("METARR_API_KEY") or None,
        log_level=(env.get("METARR_LOG_LEVEL") or "INFO").upper(),
        provider_urls={name: (env.get(var) or default).rstrip("/") for name, (var, default) in registry.url_vars().items()},
        provider_keys={name: env[var] for name, var in registry.key_vars().items() if env.get(var)},
        allow_hosts=_csv(env.get("METARR_ALLOW_HOSTS")),
        trusted_proxies=_csv(env.get("METARR_TRUSTED_PROXIES")),
        lease_seconds=_num(env, "METARR_LEASE_SECONDS", float, 30.0),
        job_modules=_csv(env.get("METARR_JOB_MODULES")),
        provider_limits=registry.parse_limits(env.get("METARR_PROVIDER_LIMITS") or ""),
        provider_timeouts=registry.parse_timeouts(env.get("METARR_PROVIDER_TIMEOUTS") or ""),
        provider_cooldown=_num(env, "METARR_PROVIDER_COOLDOWN", float, 60.0),
    )


def ensure_api_key(config: Config) -> str:
    """The env key wins; otherwise a key generated at first start and kept in the data dir."""
    if config.api_key_env:
        return config.api_key_env
    path = config.data_dir / "api_key"
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    config.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(20)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    os.replace(tmp, path)
    return key


def ensure_secret(config: Config, name: str) -> bytes:
    """A random secret kept in the data dir (session signing)."""
    path = config.data_dir / name
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    config.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value.hex())
    return value
