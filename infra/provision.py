"""Create or update macro-data-ingest's CloudFormation stack, idempotently, through change sets.

    python infra/provision.py --env staging|prod [--dry-run] [--set-bea-key]

Prints what changes (and with --dry-run, only that), then the stack's outputs and the database
endpoint. Running it twice with the same template and parameters changes nothing. Honours
AWS_ENDPOINT_URL (boto3 reads it), AWS_REGION/AWS_DEFAULT_REGION and AWS_PROFILE.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "cloudformation" / "macro-data-ingest.yaml"
PARAMS = HERE / "params"
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
FAILED_CREATE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}


class ProvisionError(RuntimeError):
    pass


def parameters(env: str) -> dict[str, str]:
    path = PARAMS / f"{env}.json"
    if not path.exists():
        raise ProvisionError(f"no parameter set {path}")
    values = json.loads(path.read_text())
    return {k: ",".join(v) if isinstance(v, list) else str(v) for k, v in values.items()}


def deployed(cfn: Any, stack: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=stack)["Stacks"][0]
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def unchanged(cfn: Any, stack: str, current: dict, body: str, params: dict[str, str]) -> bool:
    """Same template and parameters as deployed. (AWS answers such a change set with FAILED
    "didn't contain changes"; some emulators list every resource instead, so compare first.)"""
    if current["StackStatus"] not in DONE:
        return False
    template = cfn.get_template(StackName=stack, TemplateStage="Original")["TemplateBody"]
    if not isinstance(template, str):
        return False  # returned parsed (JSON templates): let the change set decide
    deployed_params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    return template == body and all(deployed_params.get(k, "") == v for k, v in params.items())


def wait(cfn: Any, what: str, describe: Any, done: set[str], failed: set[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        state = describe()
        status = state.get("Status") or state.get("StackStatus")
        if status in done:
            return state
        if status in failed or status.endswith("_FAILED"):
            reason = state.get("StatusReason") or state.get("StackStatusReason") or ""
            raise ProvisionError(f"{what} {status}: {reason}".strip())
        if time.monotonic() > deadline:
            raise ProvisionError(f"{what} still {status} after {timeout_s:.0f} s")
        time.sleep(2)


def change_set(cfn: Any, stack: str, body: str, params: dict[str, str], exists: bool) -> tuple[str, list]:
    name = f"provision-{int(time.time())}"
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType="UPDATE" if exists else "CREATE",
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM"],
        Tags=[{"Key": "project", "Value": "macro-data-ingest"}],
    )

    def describe() -> dict:
        return cfn.describe_change_set(StackName=stack, ChangeSetName=name)

    try:
        state = wait(cfn, f"change set {name}", describe, {"CREATE_COMPLETE"}, {"FAILED"}, 600)
    except ProvisionError as exc:
        if "didn't contain changes" in str(exc) or "No updates" in str(exc):
            cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            return name, []
        raise
    return name, state.get("Changes", [])


def describe_change(change: dict) -> str:
    rc = change.get("ResourceChange", {})
    replace = " (replacement)" if rc.get("Replacement") == "True" else ""
    return f"{rc.get('Action', '?'):<7} {rc.get('LogicalResourceId')} [{rc.get('ResourceType')}]{replace}"


def outputs(session: Any, stack: dict) -> dict[str, str]:
    out = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    db = out.get("DbInstanceIdentifier")
    if db:
        # Read, not !GetAtt'ed: one emulator rejects Endpoint.Address, and the endpoint can
        # change (Multi-AZ failover keeps the name, a restore does not).
        instance = session.client("rds").describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]
        endpoint = instance.get("Endpoint", {})
        out["DbEndpoint"] = f"{endpoint.get('Address')}:{endpoint.get('Port')}"
    return out


def provision(env: str, dry_run: bool = False, stack: str | None = None, set_bea_key: bool = False) -> dict:
    session = boto3.session.Session()
    cfn = session.client("cloudformation")
    stack = stack or f"macro-data-ingest-{env}"
    body = TEMPLATE.read_text()
    params = parameters(env)
    current = deployed(cfn, stack)
    if current is not None and current["StackStatus"] in FAILED_CREATE:
        raise ProvisionError(
            f"stack {stack} is {current['StackStatus']} from a failed first create: delete it, then run again"
        )
    if current is not None and unchanged(cfn, stack, current, body, params):
        print(f"{stack}: no changes")
    elif current is None and not dry_run:
        # A new stack is created directly (a change set would list every resource as "Add";
        # --dry-run shows that list). Updates go through a reviewed change set below.
        cfn.create_stack(
            StackName=stack,
            TemplateBody=body,
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM"],
            Tags=[{"Key": "project", "Value": "macro-data-ingest"}],
            OnFailure="DELETE",
        )
        print(f"{stack}: creating")
        current = wait(
            cfn,
            f"stack {stack}",
            lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0],
            {"CREATE_COMPLETE"},
            {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE", "DELETE_IN_PROGRESS"},
            3600,
        )
    else:
        name, changes = change_set(cfn, stack, body, params, exists=current is not None)
        print(f"{stack}: {len(changes)} change(s)" + (" (dry run)" if dry_run else ""))
        for change in changes:
            print("  " + describe_change(change))
        if dry_run or not changes:
            if changes:
                cfn.delete_change_set(StackName=stack, ChangeSetName=name)
            if current is None and dry_run:
                # A CREATE change set leaves a REVIEW_IN_PROGRESS stack behind: remove it.
                cfn.delete_stack(StackName=stack)
            return {}
        cfn.execute_change_set(StackName=stack, ChangeSetName=name)
        current = wait(
            cfn,
            f"stack {stack}",
            lambda: cfn.describe_stacks(StackName=stack)["Stacks"][0],
            {"CREATE_COMPLETE", "UPDATE_COMPLETE"},
            {"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_FAILED"},
            3600,
        )
    if set_bea_key:
        key = os.environ.get("BEA_API_KEY")
        if not key:
            raise ProvisionError("--set-bea-key reads BEA_API_KEY from the environment, and it is unset")
        secret = next(o["OutputValue"] for o in current["Outputs"] if o["OutputKey"] == "BeaApiKeySecretArn")
        session.client("secretsmanager").put_secret_value(
            SecretId=secret, SecretString=json.dumps({"BEA_API_KEY": key})
        )
        print("BEA API key stored in Secrets Manager")
    result = outputs(session, current)
    for k, v in sorted(result.items()):
        print(f"{k} = {v}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, choices=["staging", "prod"])
    parser.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    parser.add_argument("--stack-name", help="default: macro-data-ingest-<env>")
    parser.add_argument("--set-bea-key", action="store_true", help="store $BEA_API_KEY in the stack's secret")
    args = parser.parse_args(argv)
    try:
        provision(args.env, args.dry_run, args.stack_name, args.set_bea_key)
    except (ProvisionError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        print(f"provision: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
