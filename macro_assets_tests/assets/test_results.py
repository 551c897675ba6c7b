from datetime import date

import dagster as dg

from macro_assets.assets.results import check_results, key
from macro_assets.checks import Outcome, nothing_to_check

OCT29, OCT30 = date(2026, 10, 29), date(2026, 10, 30)


def test_one_release_reports_its_own_outcome() -> None:
    (result,) = check_results(
        {OCT29: [Outcome("key_unique", True, "no duplicate", {"rows": 5})]}, key("silver")
    )
    assert result.passed and result.metadata["rows"].value == 5


def test_answers_of_one_release_are_combined_into_its_outcome() -> None:
    answers = [
        Outcome("key_unique", True, "ok", {"rows": 5}),
        Outcome("key_unique", False, "T1: 2 dup", {"rows": 3}),
    ]
    (result,) = check_results({OCT29: answers}, key("silver"))
    assert not result.passed and result.metadata["rows"].value == 8 and result.description == "T1: 2 dup"


def test_a_range_counts_nothing_at_the_top_and_names_the_release_that_failed() -> None:
    per_release = {
        OCT29: [Outcome("key_unique", True, "no duplicate", {"rows": 5})],
        OCT30: [Outcome("key_unique", False, "2 duplicate keys", {"rows": 7})],
    }
    (result,) = check_results(per_release, key("silver"))
    assert not result.passed
    assert result.description == "2026-10-30: 2 duplicate keys"
    top = {k: v.value for k, v in result.metadata.items()}
    assert not [k for k, v in top.items() if isinstance(v, int | float) and not isinstance(v, bool)]
    assert top["failed_releases"] == ["2026-10-30"]
    assert top["per_release"]["2026-10-29"] == {"passed": True, "description": "no duplicate", "rows": 5}
    assert top["per_release"]["2026-10-30"]["rows"] == 7


def test_a_release_of_a_range_with_nothing_to_check_fails_the_range() -> None:
    per_release = {
        OCT29: [Outcome("gdp_identity", True, "holds", {"periods": 4})],
        OCT30: [nothing_to_check("gdp_identity", "T10105 is not in this release")],
    }
    (result,) = check_results(per_release, key("gold"), dg.AssetCheckSeverity.WARN)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.description == "2026-10-30: nothing to check: T10105 is not in this release"


def test_a_range_that_passed_says_for_how_many_releases() -> None:
    ok = [Outcome("valid_envelope", True, "every answer has a BEAAPI envelope")]
    (result,) = check_results({OCT29: ok, OCT30: ok}, key("bronze"))
    assert result.passed
    assert result.metadata["releases"].value == ["2026-10-29", "2026-10-30"]
