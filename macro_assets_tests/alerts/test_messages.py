"""What an alert says, on its own."""

from macro_assets.alerts import messages


def test_a_run_failure_names_partition_asset_category_and_link() -> None:
    alert = messages.run_failure(
        run_id="abc-123",
        job="refresh_release",
        partition="2026-10-30",
        asset="bea_raw",
        error_class="BeaThrottledError",
        error_message="macro_assets.bea.errors.BeaThrottledError: BEA refused NIPA/T10101 with HTTP 429: "
        "locked out until about 2026-11-26 09:31:00 UTC\n\nStack Trace: …",
        ui_url="http://dagster.internal:3000/",
    )
    assert alert.text == (
        "bea_raw for release 2026-10-30 failed: throttled (BeaThrottledError): BEA refused NIPA/T10101 "
        "with HTTP 429: locked out until about 2026-11-26 09:31:00 UTC\n"
        "run: http://dagster.internal:3000/runs/abc-123"
    )
    assert alert.subject == "macro-data-ingest: bea_raw for release 2026-10-30 failed (throttled)"
    assert alert.key == "run:2026-10-30:bea_raw:BeaThrottledError"
    assert alert.fields["category"] == "throttled" and alert.fields["run_url"].endswith("/runs/abc-123")


def test_a_failed_blocking_check_is_named_with_its_description() -> None:
    alert = messages.run_failure(
        run_id="r",
        job="refresh_release",
        partition="2026-10-29",
        asset="silver",
        error_class="DagsterAssetCheckFailedError",
        error_message="1 blocking asset check failed with ERROR severity",
        ui_url="http://127.0.0.1:3000",
        failed_checks=["silver:one_unit_per_series failed: 1 series change unit across periods"],
    )
    assert (
        "check_failed (DagsterAssetCheckFailedError): silver:one_unit_per_series failed: 1 series"
        in alert.text
    )


def test_categories_follow_the_runbook() -> None:
    assert messages.category_of("BeaAuthError") == "auth"
    assert messages.category_of("BeaUnavailableError") == "unavailable"
    assert messages.category_of("WarehouseUnavailableError") == "warehouse_unavailable"
    assert messages.category_of("KeyError") == "unexpected"


def test_long_subjects_fit_sns() -> None:
    alert = messages.run_failure(
        run_id="r", job="j" * 200, partition=None, asset=None, error_class="X", error_message="m", ui_url="u"
    )
    assert len(alert.subject) == 100


def test_first_line_keeps_the_words_not_the_class_path() -> None:
    assert messages.first_line("macro_assets.x.Err: it broke: badly\nmore") == "it broke: badly"
    assert messages.first_line("BEA error 201: Invalid Table Name") == "BEA error 201: Invalid Table Name"
