"""infra/, validated offline: the template is cfn-lint clean and guards what it must; provision.py
brings the stack up on moto's server and a second run changes nothing; the production Dagster
instance (PostgreSQL storage, queued runs, ECS launcher, S3 compute logs) runs the pipeline
with the lake on S3 — every AWS call to moto's server on 127.0.0.1, none to AWS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from macro_assets_tests.conftest import CORE_CATALOG, TcpPostgres, running_moto

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "cloudformation" / "macro-data-ingest.yaml"
BIN = Path(sys.executable).parent
REGION = "us-east-1"
RUN_FAMILY = "macro-data-ingest-staging-run"


def template() -> dict[str, Any]:
    from cfnlint.decode import decode

    parsed, errors = decode(str(TEMPLATE))
    assert not errors
    return parsed


def test_the_template_is_cfn_lint_clean() -> None:
    linted = subprocess.run([str(BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def statements(resource: dict) -> list[dict]:
    return [
        s
        for policy in resource["Properties"].get("Policies", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]


def test_the_template_guards_the_lake_the_database_and_the_roles() -> None:
    resources = template()["Resources"]
    bucket = resources["LakeBucket"]
    assert bucket["DeletionPolicy"] == "Retain"  # bronze is the only copy of past vintages
    props = bucket["Properties"]
    assert props["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    bronze = rules["old-bronze-to-colder-storage"]
    assert "ExpirationInDays" not in bronze and [t["StorageClass"] for t in bronze["Transitions"]] == [
        "STANDARD_IA",
        "GLACIER_IR",
    ]
    policy = resources["LakeBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    tls = next(s for s in policy if s["Sid"] == "TlsOnly")
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    db = resources["Db"]["Properties"]
    assert db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
    assert db["MultiAZ"] == {"Fn::If": ["IsProd", True, False]} and db["BackupRetentionPeriod"]
    assert "resolve:secretsmanager" in json.dumps(db["MasterUserPassword"])

    # Least privilege: the run task touches only its bucket prefix and compute logs, no secrets;
    # its execution role reads exactly the two secrets it injects.
    run_role = statements(resources["RunTaskRole"])
    assert {
        a for s in run_role for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    } == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        # The lake's Iceberg table, in its Glue database only.
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetTables",
        "glue:CreateTable",
        "glue:UpdateTable",
    }
    assert "${LakeBucket.Arn}/${LakePrefix}/*" in json.dumps(run_role)
    glue = next(s for s in run_role if "glue:UpdateTable" in s["Action"])
    assert all(
        "LakeTableDatabase" in json.dumps(r) or r["Fn::Sub"].endswith(":catalog") for r in glue["Resource"]
    )
    # Analysts query the table through their workgroup, whose scans are capped, and read only its files.
    workgroup = resources["AnalystWorkGroup"]["Properties"]["WorkGroupConfiguration"]
    assert workgroup["EnforceWorkGroupConfiguration"] is True and workgroup["BytesScannedCutoffPerQuery"]
    analyst = json.dumps(resources["AnalystQueryPolicy"]["Properties"]["PolicyDocument"])
    assert "${LakePrefix}/iceberg/*" in analyst and "s3:PutObject" in analyst and "bronze" not in analyst
    run_env = resources["RunTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]
    assert {"Name": "MDI_ICEBERG_CATALOG", "Value": "glue"} in run_env
    (secrets,) = statements(resources["RunExecutionRole"])
    assert secrets["Action"] == "secretsmanager:GetSecretValue"
    assert secrets["Resource"] == [{"Ref": "DbSecret"}, {"Ref": "BeaApiKeySecret"}]
    for name, resource in resources.items():
        for statement in statements(resource) if resource["Type"] == "AWS::IAM::Role" else []:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            assert "*" not in actions and not any(a.endswith(":*") for a in actions), name
    launcher = json.dumps(statements(resources["DaemonTaskRole"]))
    assert "iam:PassRole" in launcher and "ecs:RunTask" in launcher
    assert resources["DaemonService"]["Properties"]["DesiredCount"] == 1
    # Alerts: the daemon (where the alert sensors run) may publish to the topic, and only there.
    publish = [s for s in statements(resources["DaemonTaskRole"]) if s["Action"] == "sns:Publish"]
    assert publish == [{"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "AlertsTopic"}}]
    daemon_env = resources["DaemonTaskDefinition"]["Properties"]["ContainerDefinitions"][0]["Environment"]
    assert {"Name": "MDI_ALERT_SNS_TOPIC_ARN", "Value": {"Ref": "AlertsTopic"}} in daemon_env


def provision(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "infra" / "provision.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def outputs_of(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"^(\w+) = (.*)$", stdout, re.M))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A moto server of this module's own, with the staging stack provisioned on it."""
    with running_moto(tmp_path_factory.mktemp("moto-infra")) as endpoint:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
        )
        first = provision(env, "--env", "staging")
        assert first.returncode == 0, first.stderr
        yield {"env": env, "first": first, "outputs": outputs_of(first.stdout)}


def snapshot_of(env: dict[str, str], name: str) -> tuple[list, list]:
    cfn = boto3.client(
        "cloudformation",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    resources = sorted(
        (r.get("LogicalResourceId") or "", r.get("PhysicalResourceId") or "", r.get("ResourceType") or "")
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    )
    outputs = sorted(
        (o["OutputKey"], o["OutputValue"])
        for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]
    )
    return resources, outputs


def test_provision_brings_the_stack_up_and_a_second_run_changes_nothing(stack: dict) -> None:
    env, outputs = stack["env"], stack["outputs"]
    assert "macro-data-ingest-staging: creating" in stack["first"].stdout
    for name in (
        "LakeBucketName",
        "LakeUrl",
        "ClusterName",
        "RunTaskDefinition",
        "DbInstanceIdentifier",
        "DbEndpoint",
        "AlertsTopicArn",
    ):
        assert outputs.get(name), name
    assert outputs["LakeUrl"] == f"s3://{outputs['LakeBucketName']}/lake"
    before = snapshot_of(env, "macro-data-ingest-staging")
    assert len(before[0]) > 30

    again = provision(env, "--env", "staging")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "macro-data-ingest-staging: no changes"
    assert outputs_of(again.stdout) == outputs
    assert snapshot_of(env, "macro-data-ingest-staging") == before


def test_a_dry_run_shows_the_plan_and_creates_nothing(stack: dict) -> None:
    env = stack["env"]
    planned = provision(env, "--env", "prod", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert re.fullmatch(r"macro-data-ingest-prod: \d+ change\(s\) \(dry run\)", lines[0])
    assert any("Db [AWS::RDS::DBInstance]" in line for line in lines)
    listed = provision(env, "--env", "prod", "--dry-run")  # nothing left behind by the first
    assert listed.stdout.splitlines()[0] == lines[0]
    cfn_names = [
        s["StackName"]
        for s in boto3.client(
            "cloudformation",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).describe_stacks()["Stacks"]
        if s["StackStatus"] != "DELETE_COMPLETE"
    ]
    assert cfn_names == ["macro-data-ingest-staging"]


@pytest.fixture(scope="module")
def tcp_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpPostgres]:
    pg = TcpPostgres(tmp_path_factory.mktemp("pg-tcp"))
    yield pg
    pg.stop()


def test_the_pipeline_runs_on_the_production_instance(
    stack: dict, tcp_postgres: TcpPostgres, tmp_path: Path
) -> None:
    """infra/dagster/dagster.yaml as the ECS tasks load it: Dagster's storage and the warehouse
    in PostgreSQL, the lake and the compute logs in the stack's bucket."""
    admin = sa.create_engine(tcp_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS macro")
        conn.exec_driver_sql("CREATE DATABASE macro")
    admin.dispose()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "infra" / "dagster" / "dagster.yaml", home / "dagster.yaml")
    bucket = stack["outputs"]["LakeBucketName"]
    env = {
        k: v for k, v in stack["env"].items() if not k.startswith(("BEA_", "DAGSTER_", "LAKE_", "MDI_", "PG"))
    }
    env.update(
        DAGSTER_HOME=str(home),
        PGHOST="127.0.0.1",
        PGPORT=str(tcp_postgres.port),
        PGDATABASE="macro",
        PGUSER="postgres",
        PGPASSWORD="trusted-locally",
        PGSSLMODE="disable",  # production sets require
        DATABASE_URL="postgresql://",
        LAKE_URL=stack["outputs"]["LakeUrl"],
        MDI_COMPUTE_LOG_BUCKET=bucket,
        DAGSTER_RUN_TASK_DEFINITION=RUN_FAMILY,
        BEA_SANDBOX_NOW="2026-11-02T12:00:00+00:00",
        BEA_SANDBOX="1",
        # The instance is what is tested here, not the catalog: the tests' catalog fits BEA's
        # request limit in one window, where the default one waits a minute for the next.
        MDI_CATALOG=str(CORE_CATALOG),
    )
    synced = subprocess.run(
        [str(BIN / "mdi"), "releases", "sync"], env=env, capture_output=True, text=True, timeout=120
    )
    assert synced.returncode == 0, synced.stderr
    materialized = subprocess.run(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "macro_assets.definitions",
            "--select",
            "*",
            "--partition",
            "2026-10-30",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert materialized.returncode == 0, materialized.stderr[-3000:]

    probe = subprocess.run(
        [sys.executable, "-c", INSPECT_INSTANCE], env=env, capture_output=True, text=True, timeout=120
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen == {
        "run_storage": "PostgresRunStorage",
        "event_storage": "PostgresEventLogStorage",
        "schedule_storage": "PostgresScheduleStorage",
        "run_coordinator": "QueuedRunCoordinator",
        "run_launcher": "EcsRunLauncher",
        "task_definition": f"arn:aws:ecs:{REGION}:123456789012:task-definition/{RUN_FAMILY}:1",
        "compute_logs": "S3ComputeLogManager",
        "runs": ["SUCCESS"],
        # Nothing in bronze before the sync: the newest release date is the one partition.
        "partitions": 1,
    }
    engine = sa.create_engine(sa.engine.make_url(tcp_postgres.url).set(database="macro"))
    with engine.connect() as conn:
        dagster_runs = conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
        observations = conn.execute(sa.text("SELECT count(*) FROM bea.observations")).scalar_one()
    engine.dispose()
    assert dagster_runs == 1 and observations > 10_000
    s3 = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, MaxKeys=1000).get("Contents", [])]
    assert any(k.startswith("lake/bronze/release_date=2026-10-30/") for k in keys)
    assert any(k.startswith("dagster/compute-logs/") for k in keys)


INSPECT_INSTANCE = """
import json
import dagster as dg
instance = dg.DagsterInstance.get()
launcher = instance.run_launcher
print(json.dumps({
    "run_storage": type(instance._run_storage).__name__,
    "event_storage": type(instance._event_storage).__name__,
    "schedule_storage": type(instance._schedule_storage).__name__,
    "run_coordinator": type(instance.run_coordinator).__name__,
    "run_launcher": type(launcher).__name__,
    "task_definition": launcher.task_definition,
    "compute_logs": type(instance.compute_log_manager).__name__,
    "runs": [r.status.value for r in instance.get_runs()],
    "partitions": len(instance.get_dynamic_partitions("release_date")),
}))
"""
