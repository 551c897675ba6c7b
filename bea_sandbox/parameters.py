"""Each dataset's GetData parameters as BEA describes them (GetParameterList), from BEA's API
User Guide appendices and the real GetParameterList answer in the shared samples: flags are the
strings "0" and "1", and an optional parameter says its default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    data_type: str = "string"
    required: bool = True
    multiple: bool = False
    default: str | None = None

    def described(self) -> dict[str, str]:
        out = {
            "ParameterName": self.name,
            "ParameterDataType": self.data_type,
            "ParameterDescription": self.description,
            "ParameterIsRequiredFlag": "1" if self.required else "0",
        }
        if self.default is not None or not self.required:
            out["ParameterDefaultValue"] = self.default or ""
        out["MultipleAcceptedFlag"] = "1" if self.multiple else "0"
        return out


def _year(required: bool = True, default: str | None = None) -> Parameter:
    return Parameter(
        "Year",
        "List of year(s) of data to retrieve (X or ALL for all)",
        required=required,
        multiple=True,
        default=default,
    )


_FREQUENCY = Parameter("Frequency", "A - Annual, Q-Quarterly, M-Monthly", multiple=True)
_NIPA_LIKE = (
    Parameter("Frequency", "A - Annual, Q-Quarterly, M-Monthly", multiple=True),
    Parameter(
        "ShowMillions",
        "A flag indicating that million-dollar data should be returned.",
        required=False,
        default="N",
    ),
    Parameter("TableID", "The standard NIPA table identifier (discontinued)", "integer", required=False),
    Parameter("TableName", "The new NIPA table identifier"),
    _year(),
)
_GDP_BY_INDUSTRY = (
    _FREQUENCY,
    Parameter("Industry", "List of industries to retrieve (ALL for All)", multiple=True),
    Parameter(
        "TableID", "The unique GDP by Industry table identifier (ALL for All)", "integer", multiple=True
    ),
    _year(),
)


def _optional(name: str, description: str, default: str = "ALL") -> Parameter:
    return Parameter(name, description, required=False, multiple=True, default=default)


PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "NIPA": _NIPA_LIKE,
    "NIUNDERLYINGDETAIL": tuple(p for p in _NIPA_LIKE if p.name != "ShowMillions"),
    "FIXEDASSETS": (Parameter("TableName", "The new Fixed Assets identifier"), _year()),
    "REGIONAL": (
        Parameter(
            "GeoFips",
            "Comma-delimited list of 5-character geographic codes; COUNTY for all counties, STATE for all "
            "states, MSA for all MSAs, MIC for all Micropolitan Areas, PORT for all state metro/nonmetro "
            "portions, DIV for all Metropolitan Divisions, CSA for all Combined Statistical Areas, state "
            "post "
            "office abbreviation for all counties in one state (e.g. NY)",
            multiple=True,
        ),
        Parameter("LineCode", "Line code for a statistic or industry", "integer"),
        Parameter("TableName", "Regional income or product table to retrieve", default=""),
        _year(required=False, default="LAST5"),
    ),
    "GDPBYINDUSTRY": _GDP_BY_INDUSTRY,
    "UNDERLYINGGDPBYINDUSTRY": _GDP_BY_INDUSTRY,
    "INPUTOUTPUT": (
        Parameter("TableID", "The unique Input Output table identifier", "integer", multiple=True),
        _year(),
    ),
    "ITA": (
        _optional("AreaOrCountry", "The area or country requested", "AllCountries"),
        _optional(
            "Frequency", "A-Annual, QSA-Quarterly seasonally adjusted, QNSA-Quarterly not seasonally adjusted"
        ),
        _optional("Indicator", "The indicator code for the type of transaction requested"),
        _optional("Year", "Year requested"),
    ),
    "IIP": (
        _optional("Component", "Component of changes in position"),
        _optional("Frequency", "A-Annual, QNSA -Quarterly not seasonally adjusted"),
        _optional("TypeOfInvestment", "Type of investment"),
        _optional("Year", "Year requested"),
    ),
    "INTLSERVTRADE": (
        _optional("Affiliation", "The affiliation requested"),
        _optional("AreaOrCountry", "The area or country requested", "AllCountries"),
        _optional("TradeDirection", "The trade direction requested"),
        _optional("TypeOfService", "The type of service requested"),
        _optional("Year", "Year requested"),
    ),
    "INTLSERVSTA": (
        _optional("AreaOrCountry", "The area or country requested", "AllCountries"),
        _optional("Channel", "The channel of delivery requested"),
        _optional("Destination", "The destination of services requested"),
        _optional("Industry", "The industry requested"),
        _optional("Year", "Year requested"),
    ),
    "MNE": (
        Parameter("Classification", "Results by country or industry"),
        _optional("Country", "List of country(s) of data to retrieve (ALL for All)"),
        Parameter("DirectionOfInvestment", "Inward, Outward, Parent, or State"),
        _optional("GetFootnotes", "Include footnotes in the answer (Yes or No)", "No"),
        _optional("Industry", "List of industries to retrieve (ALL for All)"),
        _optional("Investment", "Type of investment"),
        _optional("NonbankAffiliatesOnly", "Whether to include only nonbank affiliates", "0"),
        _optional("OwnershipLevel", "Whether to include only majority-owned affiliates", "0"),
        _optional("ParentInvestment", "Type of parent investment"),
        _optional("SeriesID", "Data Series Identifier (ALL for All)", "0"),
        _optional("State", "List of state(s) of data to retrieve (ALL for All)"),
        _year(),
    ),
}


def parameter_list(dataset: str) -> list[dict[str, str]] | None:
    """The ``Parameter`` list of GetParameterList for ``dataset`` (any case); None if unknown."""
    found = PARAMETERS.get(dataset.strip().upper())
    return [p.described() for p in found] if found is not None else None


def takes(dataset: str, parameter: str) -> bool:
    return any(
        p.name.upper() == parameter.strip().upper() for p in PARAMETERS.get(dataset.strip().upper(), ())
    )
