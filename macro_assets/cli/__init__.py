"""``mdi``: the operator's command line, thin over Dagster."""
