"""The deployment files stay in step with the code: the dashboard queries only metrics the bot exports (and shows
every one), the compose file's settings exist, Prometheus scrapes the port the bots serve on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from bot import metrics
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK = {"SITEBOT_WEBHOOK_URL", "SITEBOT_WEBHOOK_LISTEN", "SITEBOT_WEBHOOK_PORT", "SITEBOT_WEBHOOK_SECRET"}


def exported() -> set[str]:
    """The sitebot_ metric families this process exports (the queue gauges included)."""
    metrics.watch(sessions=None)  # type: ignore[arg-type]  # registered; no database: the gauges yield nothing
    names = {name for name in REGISTRY._names_to_collectors if name.startswith("sitebot_")}
    return names | {"sitebot_queue_depth", "sitebot_queue_oldest_seconds"}


def test_the_dashboard_queries_only_exported_metrics_and_shows_each_of_them() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bsitebot_\w+", target["expr"])
    }
    names = exported()
    assert queried <= names, queried - names
    families = {re.sub(r"_(total|bucket|count|sum|created)$", "", n) for n in names}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in queried}
    assert families <= shown, families - shown
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


def test_compose_runs_two_bots_postgres_prometheus_and_grafana_with_real_settings() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    assert {"bot-1", "bot-2", "postgres", "prometheus", "grafana"} <= set(compose["services"])
    environment = compose["services"]["bot-1"]["environment"]
    fields = {f"SITEBOT_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) - WEBHOOK <= fields, set(environment) - WEBHOOK - fields
    port = environment["SITEBOT_METRICS_PORT"]
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = scrape["scrape_configs"][0]["static_configs"][0]["targets"]
    assert targets == [f"bot-1:{port}", f"bot-2:{port}"]
    mounted = " ".join(compose["services"]["grafana"]["volumes"])
    assert "docs/grafana-dashboard.json" in mounted and (ROOT / "deploy" / "grafana" / "datasource.yml").exists()


def test_the_systemd_unit_migrates_then_runs_and_restarts() -> None:
    unit = (ROOT / "deploy" / "sitebot.service").read_text()
    assert "ExecStartPre=/opt/sitebot/app/.venv/bin/sitebot db upgrade" in unit
    assert "ExecStart=/opt/sitebot/app/.venv/bin/sitebot run" in unit
    assert "Restart=always" in unit and "EnvironmentFile=" in unit
