"""States, BEA regions and the nation, with the population weights the sandbox shares out by."""

from __future__ import annotations

NATION = ("00000", "United States")

REGIONS = {
    "91000": "New England",
    "92000": "Mideast",
    "93000": "Great Lakes",
    "94000": "Plains",
    "95000": "Southeast",
    "96000": "Southwest",
    "97000": "Rocky Mountain",
    "98000": "Far West",
}

# (state FIPS, name, population in millions around 2020, BEA region)
STATES = [
    ("01", "Alabama", 5.0, "95000"),
    ("02", "Alaska", 0.73, "98000"),
    ("04", "Arizona", 7.2, "96000"),
    ("05", "Arkansas", 3.0, "95000"),
    ("06", "California", 39.5, "98000"),
    ("08", "Colorado", 5.8, "97000"),
    ("09", "Connecticut", 3.6, "91000"),
    ("10", "Delaware", 0.99, "92000"),
    ("11", "District of Columbia", 0.69, "92000"),
    ("12", "Florida", 21.5, "95000"),
    ("13", "Georgia", 10.7, "95000"),
    ("15", "Hawaii", 1.46, "98000"),
    ("16", "Idaho", 1.84, "97000"),
    ("17", "Illinois", 12.8, "93000"),
    ("18", "Indiana", 6.8, "93000"),
    ("19", "Iowa", 3.19, "94000"),
    ("20", "Kansas", 2.94, "94000"),
    ("21", "Kentucky", 4.5, "95000"),
    ("22", "Louisiana", 4.66, "95000"),
    ("23", "Maine", 1.36, "91000"),
    ("24", "Maryland", 6.18, "92000"),
    ("25", "Massachusetts", 7.03, "91000"),
    ("26", "Michigan", 10.1, "93000"),
    ("27", "Minnesota", 5.7, "94000"),
    ("28", "Mississippi", 2.96, "95000"),
    ("29", "Missouri", 6.15, "94000"),
    ("30", "Montana", 1.08, "97000"),
    ("31", "Nebraska", 1.96, "94000"),
    ("32", "Nevada", 3.1, "98000"),
    ("33", "New Hampshire", 1.38, "91000"),
    ("34", "New Jersey", 9.29, "92000"),
    ("35", "New Mexico", 2.12, "96000"),
    ("36", "New York", 20.2, "92000"),
    ("37", "North Carolina", 10.4, "95000"),
    ("38", "North Dakota", 0.78, "94000"),
    ("39", "Ohio", 11.8, "93000"),
    ("40", "Oklahoma", 3.96, "96000"),
    ("41", "Oregon", 4.24, "98000"),
    ("42", "Pennsylvania", 13.0, "92000"),
    ("44", "Rhode Island", 1.1, "91000"),
    ("45", "South Carolina", 5.12, "95000"),
    ("46", "South Dakota", 0.89, "94000"),
    ("47", "Tennessee", 6.91, "95000"),
    ("48", "Texas", 29.1, "96000"),
    ("49", "Utah", 3.27, "97000"),
    ("50", "Vermont", 0.64, "91000"),
    ("51", "Virginia", 8.63, "95000"),
    ("53", "Washington", 7.7, "98000"),
    ("54", "West Virginia", 1.79, "95000"),
    ("55", "Wisconsin", 5.89, "93000"),
    ("56", "Wyoming", 0.58, "97000"),
]

TOTAL_POPULATION = sum(p for _, _, p, _ in STATES)


def state_fips(code: str) -> str:
    return code + "000"
