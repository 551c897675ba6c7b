# The code location image: dagster-webserver, dagster-daemon and every run task (ECS) run it.
#   docker build --build-arg MDI_CODE_VERSION=$(git describe --always --dirty) -t macro-data-ingest .
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home

WORKDIR /opt/dagster/app

# Dependencies first (the pinned set), so a code change does not reinstall them.
COPY pyproject.toml constraints.txt ./
# macro_assets only: the BEA sandbox (bea_sandbox/) is for the demo and the tests, not production.
COPY macro_assets ./macro_assets
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --uid 10001 --home-dir /opt/dagster dagster \
    && mkdir -p "$DAGSTER_HOME" && chown -R dagster /opt/dagster

COPY workspace.yaml ./
COPY infra/dagster/dagster.yaml /opt/dagster/home/dagster.yaml

# Stamped on every load (bea.load_audit.code_version); there is no .git in the image.
ARG MDI_CODE_VERSION=unknown
ENV MDI_CODE_VERSION=${MDI_CODE_VERSION}

USER dagster
EXPOSE 3000
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", "workspace.yaml"]
