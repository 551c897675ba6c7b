"""Where alerts go: an SNS topic, a webhook, both, or (neither configured) only the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import dagster as dg
import requests
from pydantic import Field
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from macro_assets.alerts.messages import Alert

log = logging.getLogger(__name__)


class AlertDeliveryError(RuntimeError):
    pass


def webserver_url(environ: Mapping[str, str]) -> str:
    """The UI's address for links: ``MDI_UI_URL`` where the UI sits behind another address (a
    load balancer), else dagster-webserver's own settings, ``DAGSTER_WEBSERVER_HOST``, ``_PORT``
    and ``_PATH_PREFIX`` (the variables its CLI reads; ``make dev PORT=…`` sets the port), with
    the webserver's defaults 127.0.0.1:3000."""
    if environ.get("MDI_UI_URL"):
        return environ["MDI_UI_URL"].rstrip("/")
    host = environ.get("DAGSTER_WEBSERVER_HOST") or "127.0.0.1"
    # Listening on every interface: this machine answers on its loopback address.
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    host = f"[{host}]" if ":" in host else host
    port = environ.get("DAGSTER_WEBSERVER_PORT") or "3000"
    prefix = (environ.get("DAGSTER_WEBSERVER_PATH_PREFIX") or "").rstrip("/")
    return f"http://{host}:{port}{prefix}"


@retry(
    retry=retry_if_exception_type(requests.RequestException),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.5, max=5),
    reraise=True,
)
def _post(url: str, payload: dict, timeout_s: float) -> None:
    response = requests.post(url, json=payload, timeout=timeout_s)
    if response.status_code >= 500:
        raise requests.HTTPError(f"webhook answered HTTP {response.status_code}")
    if response.status_code >= 400:
        raise AlertDeliveryError(f"webhook refused the alert: HTTP {response.status_code}")


class AlertsResource(dg.ConfigurableResource):
    """``MDI_ALERT_SNS_TOPIC_ARN`` and/or ``MDI_ALERT_WEBHOOK_URL``; links to the UI at
    ``webserver_url``."""

    sns_topic_arn: str | None = None
    webhook_url: str | None = Field(default=None, repr=False, description="webhook URLs often hold a token")
    ui_url: str = "http://127.0.0.1:3000"
    timeout_s: float = 10.0

    def destinations(self) -> list[str]:
        return [name for name, on in (("sns", self.sns_topic_arn), ("webhook", self.webhook_url)) if on]

    def send(self, alert: Alert) -> list[str]:
        """Deliver to every configured destination; returns their names ([] when none is set)."""
        sent = []
        if self.sns_topic_arn:
            import boto3

            boto3.client("sns").publish(
                TopicArn=self.sns_topic_arn,
                Subject=alert.subject,
                Message=alert.text,
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in alert.fields.items()
                    if name in ("kind", "category", "partition") and value
                },
            )
            sent.append("sns")
        if self.webhook_url:
            _post(
                self.webhook_url, {"text": f"{alert.subject}\n{alert.text}", **alert.fields}, self.timeout_s
            )
            sent.append("webhook")
        if not sent:
            log.warning("alert (no destination configured): %s", json.dumps(alert.fields, sort_keys=True))
        return sent
