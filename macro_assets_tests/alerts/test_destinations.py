"""Delivering an alert: a webhook (a real HTTP server), SNS (moto's server), or only the log."""

from __future__ import annotations

import logging

import pytest

from macro_assets.alerts import messages
from macro_assets.alerts.destinations import AlertDeliveryError, AlertsResource, webserver_url
from macro_assets_tests.alerts.conftest import Topic, Webhook

ALERT = messages.run_failure(
    run_id="run-1",
    job="refresh_release",
    partition="2026-10-30",
    asset="bea_raw",
    error_class="BeaUnavailableError",
    error_message="BEA API at apps.bea.gov unreachable for NIPA/T10101: ReadTimeout",
    ui_url="http://127.0.0.1:3000",
)


def test_the_webhook_receives_one_json_message(webhook: Webhook) -> None:
    assert AlertsResource(webhook_url=webhook.url).send(ALERT) == ["webhook"]
    (got,) = webhook.received
    assert got["partition"] == "2026-10-30" and got["asset"] == "bea_raw" and got["category"] == "unavailable"
    assert got["text"].startswith(ALERT.subject) and got["run_url"] == "http://127.0.0.1:3000/runs/run-1"


def test_a_webhook_that_fails_once_is_retried(webhook: Webhook) -> None:
    webhook.fail_first = 1
    assert AlertsResource(webhook_url=webhook.url).send(ALERT) == ["webhook"]
    assert len(webhook.received) == 1


def test_a_webhook_that_refuses_says_so(webhook: Webhook) -> None:
    webhook.refuse_with = 404
    with pytest.raises(AlertDeliveryError, match="webhook refused the alert: HTTP 404"):
        AlertsResource(webhook_url=webhook.url).send(ALERT)
    assert webhook.received == []


def test_the_sns_topic_receives_exactly_one_message(topic: Topic) -> None:
    assert AlertsResource(sns_topic_arn=topic.arn).send(ALERT) == ["sns"]
    (got,) = topic.messages()
    assert got["Subject"] == ALERT.subject and got["Message"] == ALERT.text
    assert got["MessageAttributes"]["category"]["Value"] == "unavailable"


def test_both_destinations_at_once(topic: Topic, webhook: Webhook) -> None:
    assert AlertsResource(sns_topic_arn=topic.arn, webhook_url=webhook.url).send(ALERT) == ["sns", "webhook"]
    assert len(topic.messages()) == 1 and len(webhook.received) == 1


def test_without_a_destination_it_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    assert AlertsResource().send(ALERT) == []
    assert "no destination configured" in caplog.text and "2026-10-30" in caplog.text


def test_links_follow_the_webservers_own_settings() -> None:
    assert webserver_url({}) == "http://127.0.0.1:3000"
    assert webserver_url({"DAGSTER_WEBSERVER_PORT": "3333"}) == "http://127.0.0.1:3333"
    assert (
        webserver_url({"DAGSTER_WEBSERVER_HOST": "0.0.0.0", "DAGSTER_WEBSERVER_PATH_PREFIX": "/dagster/"})
        == "http://127.0.0.1:3000/dagster"
    )
    # Behind a load balancer the UI has another address: MDI_UI_URL says which.
    assert (
        webserver_url({"MDI_UI_URL": "https://dagster.example/", "DAGSTER_WEBSERVER_PORT": "80"})
        == "https://dagster.example"
    )
