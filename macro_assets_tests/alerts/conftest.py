"""A webhook receiver and an SNS topic (on moto's server) for the alert tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest


class Webhook:
    """A small HTTP server on 127.0.0.1 that records what is POSTed to it; ``fail_first`` answers
    that many requests with HTTP 503 first, ``refuse_with`` answers every one with that status."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.fail_first = 0
        self.refuse_with: int | None = None
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.refuse_with:
                    self.send_response(hook.refuse_with)
                elif hook.fail_first:
                    hook.fail_first -= 1
                    self.send_response(503)
                else:
                    hook.received.append(json.loads(body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


class Topic:
    """An SNS topic with an SQS queue subscribed, so a test can count what was published."""

    def __init__(self, name: str) -> None:
        sns, self.sqs = boto3.client("sns"), boto3.client("sqs")
        self.arn = sns.create_topic(Name=name)["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn)

    def messages(self) -> list[dict]:
        got = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            if not batch.get("Messages"):
                return got
            for message in batch["Messages"]:
                got.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])


_topics = iter(range(1, 10**6))


@pytest.fixture
def topic(aws: str) -> Topic:
    return Topic(f"alerts-{next(_topics)}")
