"""Alerts: one concise message per failure, to SNS and/or a webhook, and structured logs."""
