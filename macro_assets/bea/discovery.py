"""What BEA serves, as catalog entries ready to paste (``mdi catalog discover``): asked of BEA's
own lists (GetParameterList, GetParameterValues, GetParameterValuesFiltered)."""

from __future__ import annotations

import re
from typing import Any

from macro_assets.bea.client import BeaClient, value_key
from macro_assets.bea.errors import BeaBadRequestError
from macro_assets.catalog import ALL, DATASETS, CatalogError, Dataset, dataset_named

# NIPA's table descriptions end with the frequencies it is published in: "… (A) (Q)".
_FREQUENCY_MARKS = re.compile(r"\(([AQM])\)")
# Values listed per parameter of a parameter-shaped dataset before "… and N more".
SHOWN_VALUES = 40


def _description(value: dict[str, Any]) -> str:
    return " ".join(str(value.get("Desc", value.get("Description", ""))).split())


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text) else f"'{text}'"


def _frequencies(spec: Dataset, description: str) -> str:
    marked = [f for f in _FREQUENCY_MARKS.findall(description) if f in spec.frequencies]
    chosen = marked or list(spec.default_frequencies) or sorted(spec.frequencies)
    return f", frequencies: [{', '.join(dict.fromkeys(chosen))}]"


def spec_of(dataset: str) -> Dataset:
    spec = dataset_named(dataset)
    if spec is None:
        raise CatalogError(f"unknown dataset {dataset!r} (known: {', '.join(DATASETS)})")
    return spec


def discover(client: BeaClient, dataset: str, table: str | None = None) -> list[str]:
    """YAML lines: one entry per table BEA lists (table-shaped datasets), one Regional entry
    with every line of ``table``, or a parameter-shaped dataset's entry with each parameter's
    values listed in comments."""
    spec = spec_of(dataset)
    if table is not None:
        if spec.name != "Regional":
            raise CatalogError(
                "--table lists a Regional table's lines; other datasets' tables are one entry each"
            )
        return _regional_lines(client, table.upper())
    if spec.table_parameter is None:
        return _parameters(client, spec)
    lines = [f"# {spec.name}: every table BEA lists ({spec.table_parameter})"]
    for value in client.parameter_values(spec.name, spec.table_parameter):
        name, description = value_key(value), _description(value)
        if not name:
            continue
        extra = _frequencies(spec, description) if spec.frequencies else ""
        if spec.name == "Regional":
            extra = ", lines: ALL, geo: STATE"
        lines.append(f"- {{dataset: {spec.name}, table: {_yaml_scalar(name)}{extra}}}  # {description}")
    return lines


def _regional_lines(client: BeaClient, table: str) -> list[str]:
    codes = [(value_key(v), _description(v)) for v in client.line_values("Regional", table) if value_key(v)]
    if not codes:
        raise CatalogError(f"BEA lists no lines for Regional/{table}")
    listed = ", ".join(code for code, _ in codes)
    lines = [f"- {{dataset: Regional, table: {table}, lines: [{listed}], geo: STATE}}"]
    lines += [f"#   {code}: {description}" for code, description in codes]
    return lines


def _first_value(default: str, keys: list[tuple[str, str]], description: str) -> str:
    """The value a pasted entry starts with: BEA's default when it is one BEA lists (or ALL),
    else ALL where BEA says the parameter takes it, else the first value listed."""
    listed = {k.upper() for k, _ in keys}
    if default and (not keys or default.upper() in listed | {ALL}):
        return default
    if ALL in listed or "ALL FOR ALL" in description.upper() or not keys:
        return ALL
    return keys[0][0]


def _parameters(client: BeaClient, spec: Dataset) -> list[str]:
    described = client.parameter_list(spec.name)
    chosen: list[str] = []
    notes: list[str] = []
    for parameter in described:
        name = str(parameter.get("ParameterName", ""))
        if not name or name.lower() == "year":
            continue
        default = str(parameter.get("ParameterDefaultValue", "")).strip()
        required = str(parameter.get("ParameterIsRequiredFlag", "0")).strip() == "1"
        try:
            values = client.parameter_values(spec.name, name)
        except BeaBadRequestError:
            # A parameter BEA lists no values for is described only.
            values = []
        keys = [(value_key(v), _description(v)) for v in values if value_key(v)]
        what = " ".join(str(parameter.get("ParameterDescription", "")).split())
        if required or keys:
            chosen.append(f"{name}: {_yaml_scalar(_first_value(default, keys, what))}")
        shown = "; ".join(f"{k} ({d})" if d else k for k, d in keys[:SHOWN_VALUES])
        more = f"; … and {len(keys) - SHOWN_VALUES} more" if len(keys) > SHOWN_VALUES else ""
        notes.append(
            f"#   {name}{' (required)' if required else ''}: {what}" + (f" — {shown}{more}" if keys else "")
        )
    return [f"- {{dataset: {spec.name}, params: {{{', '.join(chosen)}}}}}", *notes]
