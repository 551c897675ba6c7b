"""``--replay DIR``: recorded BEA answers served as BEA would serve them.

Every ``*.json`` under DIR (but ``release_dates.json``, the calendar) is a recorded answer. A
GetData request is answered by the recording whose echoed request (``BEAAPI.Request``, less
USERID, RESULTFORMAT and METHOD; names and values compared case-insensitively) matches it:
- YEAR and FREQUENCY never decide the match: when the request names specific ones they filter
  the recorded rows, and ALL returns what is recorded;
- ALL in the request takes whatever value was recorded; ALL in the recording answers any value,
  filtering the rows on the field of that name (a recording of GDP by industry's TableID=ALL
  answers a request for table 6 with table 6's rows).
A file at ``DIR/<Dataset>/<Table>.json`` (the first layout) also answers its dataset's requests
for that table, whatever its echo says.

GetParameterList, GetParameterValues and GetParameterValuesFiltered are answered from the
recordings: the parameters they echo, the values echoed or carried by their rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bea_sandbox import answers, parameters

CHARSET = "ISO-8859-1"
ALL = "ALL"
_NOT_MATCHED = {"USERID", "RESULTFORMAT", "METHOD"}
_FILTERS = {"YEAR", "FREQUENCY"}


def _upper(text: object) -> str:
    return str(text).strip().upper()


def _rows_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    api = doc["BEAAPI"]
    results = api.get("Results")
    results = results[0] if isinstance(results, list) and results else results
    rows = (results or {}).get("Data", api.get("Data", []))
    rows = [rows] if isinstance(rows, dict) else rows
    return [r for r in rows if isinstance(r, dict)]


def _field(row: dict[str, Any], name: str) -> Any:
    """A row's field by name, any case (BEA spells IndustrYDescription, echoes INDUSTRY)."""
    for key, value in row.items():
        if key.upper() == name:
            return value
    return None


@dataclass
class Recording:
    path: Path
    dataset: str
    # Echoed parameters, upper-case names and values, less those never matched.
    echo: dict[str, str]
    doc: dict[str, Any] = field(repr=False)
    # From DIR/<Dataset>/<Table>.json: answers that table whatever the echo says.
    table_by_path: str | None = None

    @property
    def method(self) -> str:
        return self.echo.get("METHOD", "GETDATA")

    def matches(self, request: dict[str, str]) -> bool:
        if self.table_by_path is not None and request.get("TABLENAME") == self.table_by_path:
            return True
        names = (set(self.echo) | set(request)) - _NOT_MATCHED - _FILTERS - {"DATASETNAME"}
        for name in names:
            wanted, recorded = request.get(name), self.echo.get(name)
            if wanted is None or recorded is None:
                return False
            if wanted != recorded and ALL not in (wanted, recorded):
                return False
        return True

    def answer(self, request: dict[str, str]) -> list[dict[str, Any]]:
        """The recorded rows this request asks for."""
        rows = _rows_of(self.doc)
        for name, wanted in request.items():
            if name in _NOT_MATCHED | _FILTERS | {"DATASETNAME"} or wanted == ALL:
                continue
            if self.echo.get(name) == ALL:
                chosen = {v.strip() for v in wanted.split(",")}
                rows = [r for r in rows if _field(r, name) is None or _upper(_field(r, name)) in chosen]
        years = answers.parse_years(request.get("YEAR", ALL))
        if years is not None:
            rows = [r for r in rows if str(_field(r, "TIMEPERIOD") or _field(r, "YEAR") or "")[:4] in years]
        frequencies = {f.strip() for f in request.get("FREQUENCY", ALL).split(",") if f.strip()} - {ALL}
        if frequencies:
            rows = [r for r in rows if _frequency(r) in frequencies]
        return rows


def _frequency(row: dict[str, Any]) -> str:
    given = _field(row, "FREQUENCY")
    if given:
        return _upper(given)
    period = str(_field(row, "TIMEPERIOD") or "")
    return "Q" if "Q" in period else "M" if "M" in period else "A"


def _echo_of(doc: dict[str, Any]) -> dict[str, str]:
    request = doc.get("BEAAPI", {}).get("Request") or {}
    params = request.get("RequestParam", []) if isinstance(request, dict) else []
    params = [params] if isinstance(params, dict) else params
    return {
        _upper(p.get("ParameterName", "")): _upper(p.get("ParameterValue", ""))
        for p in params
        if isinstance(p, dict) and _upper(p.get("ParameterName", "")) not in ("USERID", "RESULTFORMAT")
    }


class Recordings:
    """Every recorded answer under a folder, read once."""

    def __init__(self, root: Path):
        self.root = root
        self.found: list[Recording] = []
        for path in sorted(root.rglob("*.json")):
            if path.name == "release_dates.json" and path.parent == root:
                continue
            doc = json.loads(path.read_bytes().decode(CHARSET), strict=False)
            if not isinstance(doc, dict) or not isinstance(doc.get("BEAAPI"), dict):
                continue
            echo = _echo_of(doc)
            by_path = path.parent.parent == root and _upper(path.parent.name) in parameters.PARAMETERS
            dataset = _upper(path.parent.name) if by_path else echo.get("DATASETNAME", "")
            if by_path and not echo.get("TABLENAME"):
                echo = dict(echo, TABLENAME=_upper(path.stem), DATASETNAME=dataset)
            self.found.append(Recording(path, dataset, echo, doc, _upper(path.stem) if by_path else None))

    def of(self, dataset: str) -> list[Recording]:
        return [
            r
            for r in self.found
            if r.dataset == _upper(dataset) and r.method == "GETDATA" and _rows_of(r.doc)
        ]

    def get_data(self, params: dict[str, str], echo: list[tuple[str, str]], now: Any) -> dict[str, object]:
        request = {_upper(k): _upper(v) for k, v in params.items()}
        dataset = request.get("DATASETNAME", "")
        found = next((r for r in self.of(dataset) if r.matches(request)), None)
        if found is None:
            if "TABLENAME" in request:
                raise answers.ApiError(
                    "201", "Error retrieving data.", f"Invalid Table Name: {params.get('tablename')}"
                )
            asked = ", ".join(f"{k}={v}" for k, v in sorted(request.items()) if k not in _NOT_MATCHED)
            raise answers.ApiError("101", "Error retrieving data.", f"No recorded answer for {asked}")
        rows = found.answer(request)
        if not rows:
            raise answers.ApiError(
                "101", "Error retrieving data.", "No data exists for the requested Frequency and Year."
            )
        return self._as_served(found.doc, rows, echo, now)

    @staticmethod
    def _as_served(
        recorded: dict[str, Any], rows: list[dict[str, Any]], echo: list[tuple[str, str]], now: Any
    ) -> dict:
        api = dict(recorded["BEAAPI"], Request=answers.request_echo(echo))
        results = api.get("Results")
        single = results[0] if isinstance(results, list) and results else results
        if isinstance(single, dict) and "Data" in single:
            single = dict(single, Data=rows)
            if "UTCProductionTime" in single:
                single["UTCProductionTime"] = answers.production_time(now)
        else:
            api["Data"] = rows
        api["Results"] = [single] if isinstance(results, list) else single
        return {"BEAAPI": api}

    def parameter_names(self, dataset: str) -> list[str]:
        names: dict[str, None] = {}
        for recording in self.of(dataset):
            names |= dict.fromkeys(n for n in recording.echo if n not in _NOT_MATCHED | {"DATASETNAME"})
        return sorted(names | dict.fromkeys(("YEAR", "FREQUENCY")))

    def get_parameter_list(self, params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
        dataset = _upper(params.get("datasetname", ""))
        if not self.of(dataset):
            raise answers.ApiError(
                "20", "The dataset requested is not valid or is not yet available via the API."
            )
        described = [
            {
                "ParameterName": name,
                "ParameterDataType": "string",
                "ParameterDescription": "recorded",
                "ParameterIsRequiredFlag": "0",
                "ParameterDefaultValue": "",
                "MultipleAcceptedFlag": "1",
            }
            for name in self.parameter_names(dataset)
        ]
        return {"BEAAPI": {"Request": answers.request_echo(echo), "Results": {"Parameter": described}}}

    def values(self, dataset: str, name: str, where: dict[str, str] | None = None) -> list[str]:
        seen: dict[str, None] = {}
        for recording in self.of(dataset):
            if where and not all(recording.echo.get(k) in (v, ALL) for k, v in where.items()):
                continue
            echoed = recording.echo.get(name)
            if echoed is not None:
                seen |= dict.fromkeys(v.strip() for v in echoed.split(",") if v.strip() and v.strip() != ALL)
            for row in _rows_of(recording.doc):
                value = _field(row, name)
                if value not in (None, ""):
                    seen[_upper(value)] = None
        return list(seen)

    def get_parameter_values(self, params: dict[str, str], echo: list[tuple[str, str]]) -> dict[str, object]:
        dataset, name = _upper(params.get("datasetname", "")), _upper(params.get("parametername", ""))
        if name not in self.parameter_names(dataset):
            raise answers.ApiError("31", f"Invalid parameter requested: {params.get('parametername', '')}")
        values = [{"Key": v, "Desc": "recorded"} for v in self.values(dataset, name)]
        return {"BEAAPI": {"Request": answers.request_echo(echo), "Results": {"ParamValue": values}}}

    def get_parameter_values_filtered(
        self, params: dict[str, str], echo: list[tuple[str, str]]
    ) -> dict[str, object]:
        dataset, target = _upper(params.get("datasetname", "")), _upper(params.get("targetparameter", ""))
        if target not in self.parameter_names(dataset):
            raise answers.ApiError("31", f"Invalid parameter requested: {params.get('targetparameter', '')}")
        where = {
            _upper(k): _upper(v)
            for k, v in params.items()
            if _upper(k) not in _NOT_MATCHED | {"DATASETNAME", "TARGETPARAMETER"}
        }
        values = [{"Key": v, "Desc": "recorded"} for v in self.values(dataset, target, where)]
        return {"BEAAPI": {"Request": answers.request_echo(echo), "Results": {"ParamValue": values}}}
