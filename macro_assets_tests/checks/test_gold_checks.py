"""Gold's checks on the sandbox's consistent accounts, and on broken ones."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import requests

from bea_sandbox.server import Sandbox
from macro_assets.checks import checked_nothing
from macro_assets.checks import gold as checks
from macro_assets.transform.indicators import SCHEMA as IND_SCHEMA
from macro_assets.transform.indicators import indicators_frame
from macro_assets.transform.observations import nipa_frame
from macro_assets_tests.conftest import TEST_KEY

RELEASE = date(2026, 10, 30)


def tables(sandbox: Sandbox) -> pl.DataFrame:
    frames = []
    for table, freq in (("T10101", "Q"), ("T10105", "A,Q"), ("T10106", "Q"), ("T20804", "M")):
        raw = requests.get(
            sandbox.api_url,
            params={
                "UserID": TEST_KEY,
                "method": "GetData",
                "DatasetName": "NIPA",
                "TableName": table,
                "Frequency": freq,
                "Year": "ALL",
            },
            timeout=10,
        ).content
        frames.append(nipa_frame(raw, "NIPA", table, RELEASE))
    return pl.concat(frames)


def test_consistent_accounts_pass(sandbox: Sandbox) -> None:
    obs = tables(sandbox)
    identity, growth = checks.gdp_identity(obs), checks.growth_matches_published(obs)
    gaps = checks.indicators_without_gaps(indicators_frame(obs))
    assert identity.passed and identity.metadata["periods"] > 100
    assert growth.passed and growth.metadata["periods"] > 50 and growth.metadata["max_diff"] < 0.1
    assert gaps.passed


def test_a_broken_identity_and_a_wrong_rate_are_caught(sandbox: Sandbox) -> None:
    obs = tables(sandbox)
    broken = obs.with_columns(
        pl.when(
            (pl.col("table_name") == "T10105")
            & (pl.col("line_number") == 7)
            & (pl.col("time_period") == "2024Q2")
        )
        .then(pl.col("value") + 1000)
        .when(
            (pl.col("table_name") == "T10101")
            & (pl.col("time_period") == "2025Q1")
            & (pl.col("line_number") == 1)
        )
        .then(pl.col("value") + 0.5)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    identity = checks.gdp_identity(broken)
    assert not identity.passed and "2024Q2" in identity.description
    assert not checks.growth_matches_published(broken).passed


def test_a_gap_in_an_indicator_series(sandbox: Sandbox) -> None:
    ind = indicators_frame(tables(sandbox))
    gapped = ind.filter(~((pl.col("indicator") == "real_gdp") & (pl.col("time_period") == "2020Q2")))
    outcome = checks.indicators_without_gaps(gapped)
    assert not outcome.passed and "real_gdp/Q" in outcome.description


def test_without_the_tables_there_is_nothing_to_check() -> None:
    """A release without T10105, T10106 or T10101 cannot pass an identity it does not hold."""
    empty = nipa_frame(
        json.dumps(
            {
                "BEAAPI": {
                    "Results": {
                        "Data": [
                            {
                                "TableName": "T20600",
                                "SeriesCode": "A065RC",
                                "LineNumber": "1",
                                "LineDescription": "Personal income",
                                "TimePeriod": "2025M01",
                                "METRIC_NAME": "Current Dollars",
                                "DataValue": "1",
                                "CL_UNIT": "Level",
                                "UNIT_MULT": "6",
                            }
                        ]
                    }
                }
            }
        ).encode(),
        "NIPA",
        "T20600",
        RELEASE,
    )
    for outcome in (checks.gdp_identity(empty), checks.growth_matches_published(empty)):
        assert not outcome.passed and checked_nothing(outcome)
        assert outcome.description.startswith("nothing to check: T10")
    no_indicators = checks.indicators_without_gaps(pl.DataFrame(schema=IND_SCHEMA))
    assert not no_indicators.passed and checked_nothing(no_indicators)
