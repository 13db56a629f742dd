"""All settings in one class, from the environment or .env (prefix SITEBOT_)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret token


class Settings(BaseSettings):
    # An empty value (SITEBOT_TELEGRAM_TOKEN= in a copied .env.example) means "not set".
    model_config = SettingsConfigDict(env_prefix="SITEBOT_", env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = "sqlite:///sitebot.db"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    # http://host:port or socks5://user:pass@host:port: api.telegram.org is unreachable from some networks.
    telegram_proxy: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    llm_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("SITEBOT_LLM_API_KEY", "OPENAI_API_KEY"))
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0
    llm_max_retries: int = 2
    proposal_minutes: int = Field(10, ge=1, le=24 * 60)  # a proposal or question waits this long for an answer
    rate_limit_per_minute: int = Field(20, ge=0)  # messages per user per minute (0: no limit)
    max_message_chars: int = Field(2000, ge=10, le=4096)  # a longer message is refused, nothing recorded
    llm_daily_tokens: int = Field(200_000, ge=0)  # model tokens per user per day (0: no cap)
    log_json: bool = False  # one JSON object per log line
    log_level: str = "INFO"
    metrics_port: int | None = Field(None, ge=1, le=65535)  # Prometheus metrics served here when set
    # Webhook mode (several processes behind a reverse proxy) when the URL is set; long polling otherwise.
    webhook_url: str | None = None  # the public https URL Telegram posts to; its path is the path served here
    webhook_listen: str = "127.0.0.1"  # 0.0.0.0 in a container the proxy reaches over the network
    webhook_port: int = Field(8080, ge=1, le=65535)
    webhook_secret: SecretStr | None = None  # required with the URL: Telegram sends it in a header on every post

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1,2,3" as well as a JSON list."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        """A logging level name, any case."""
        level = value.strip().upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("telegram_proxy")
    @classmethod
    def _proxy_scheme(cls, value: str | None) -> str | None:
        """Only proxies python-telegram-bot's HTTP client can use: http(s) or socks5(h)."""
        if value is not None and value.split("://", 1)[0].lower() not in ("http", "https", "socks5", "socks5h"):
            raise ValueError("SITEBOT_TELEGRAM_PROXY must start with http://, https://, socks5:// or socks5h://")
        return value

    def webhook_problem(self) -> str | None:
        """Why webhook mode cannot start with these settings (None when it can, or when polling)."""
        if self.webhook_url is None:
            return None
        if not self.webhook_url.startswith("https://"):
            return "SITEBOT_WEBHOOK_URL must be the public https:// URL Telegram posts to (TLS ends at your proxy)"
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret is not None else ""
        if not SECRET.fullmatch(secret):
            return (
                "SITEBOT_WEBHOOK_SECRET must be set with SITEBOT_WEBHOOK_URL: 1-256 characters A-Z a-z 0-9 _ - "
                "(e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        return None

    @property
    def llm_enabled(self) -> bool:
        return self.llm_api_key is not None or self.llm_base_url is not None
