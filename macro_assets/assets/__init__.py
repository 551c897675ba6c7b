"""Software-defined assets by layer: bea_raw → bronze → silver → gold → postgres_tables."""

import warnings

import dagster as dg

# Dagster's beta APIs this code location uses on purpose: their warnings, printed by every
# process that loads the definitions, say nothing a user can act on. Any other beta or
# superseded API still warns.
for _beta in (
    "Parameter `backfill_policy`",
    "Function `with_source_code_references`",
    "Class `CodeReferencesMetadataValue`",
    "Class `LocalFileCodeReference`",
):
    warnings.filterwarnings("ignore", message=_beta, category=dg.BetaWarning)
