"""The freshness rule on its own: BEA's release calendar against the releases loaded."""

from datetime import UTC, date, datetime, timedelta

from macro_assets.checks import checked_nothing
from macro_assets.checks.freshness import freshness

ET = datetime.fromisoformat("2026-10-29T08:30:00-04:00").tzinfo
SCHEDULE = {
    "Gross Domestic Product": [
        datetime(2026, 9, 25, 8, 30, tzinfo=ET),
        datetime(2026, 10, 29, 8, 30, tzinfo=ET),
    ],
    "Personal Income and Outlays": [datetime(2026, 10, 30, 8, 30, tzinfo=ET)],
    "Trade in Goods and Services": [datetime(2026, 10, 31, 8, 30, tzinfo=ET)],  # not in the catalog
}
CATALOG = ["Gross Domestic Product", "Personal Income and Outlays"]
GRACE = timedelta(hours=3)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_current_when_the_newest_due_release_is_loaded() -> None:
    outcome = freshness(
        [date(2026, 10, 29), date(2026, 10, 30)], SCHEDULE, CATALOG, at("2026-11-02T12:00Z"), GRACE
    )
    assert outcome.passed
    assert outcome.metadata["newest_due"] == "2026-10-30"


def test_behind_names_the_release_and_how_late() -> None:
    outcome = freshness([date(2026, 10, 29)], SCHEDULE, CATALOG, at("2026-10-30T18:30Z"), GRACE)
    assert not outcome.passed
    assert outcome.description == (
        "Personal Income and Outlays of 2026-10-30 (published 2026-10-30T08:30:00-04:00) is not loaded "
        "6.0 h later: the newest loaded release is 2026-10-29"
    )
    assert outcome.metadata["hours_overdue"] == 6.0


def test_within_the_grace_period_it_is_not_late_yet() -> None:
    assert freshness([date(2026, 10, 29)], SCHEDULE, CATALOG, at("2026-10-30T14:30Z"), GRACE).passed


def test_nothing_loaded_and_nothing_due() -> None:
    nothing = freshness([], SCHEDULE, CATALOG, at("2026-11-02T12:00Z"), GRACE)
    assert not nothing.passed and nothing.description.endswith("no release is loaded")
    assert freshness([], SCHEDULE, CATALOG, at("2026-01-01T00:00Z"), GRACE).passed


def test_releases_outside_the_catalog_do_not_count() -> None:
    assert freshness([date(2026, 10, 30)], SCHEDULE, CATALOG, at("2026-11-05T12:00Z"), GRACE).passed


def test_a_catalog_whose_releases_bea_never_lists_is_nothing_to_check() -> None:
    blind = freshness(
        [date(2026, 10, 30)], SCHEDULE, ["Gross Domestic Product (misspelt)"], at("2026-11-05T12:00Z"), GRACE
    )
    assert not blind.passed and checked_nothing(blind)
    assert "Gross Domestic Product (misspelt)" in blind.description
