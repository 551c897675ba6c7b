"""Finding a series by words: the lines of BEA's tables (``bea.series``), for Regional's tables a
line for a place (``bea.geographies``: the nation unless a place is asked for), and the series
of datasets without lines (``bea.dataset_series``: ITA, IIP, MNE, GDP by industry, …)."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from macro_assets.query.series import QueryError

SEARCH_COLUMNS: dict[str, pl.DataType] = {
    "series": pl.String(),
    "dataset": pl.String(),
    "table_name": pl.String(),
    "series_id": pl.String(),
    "line_number": pl.Int64(),
    "series_code": pl.String(),
    "line_description": pl.String(),
    "geo_fips": pl.String(),
    "geo_name": pl.String(),
    "unit": pl.String(),
    "unit_mult": pl.Int64(),
    "metric_name": pl.String(),
    "table_title": pl.String(),
}
MAX_WORDS = 8
MAX_LIMIT = 500
NATION = "00000"

# A line matches when every word is in its description, code, table name, the table's title (the
# newest release's), unit or metric. Regional's series are a line for a place: the nation unless
# one is asked for (by name or FIPS). A candidate line is kept only if the warehouse holds that
# series (a probe of the key's index). A series without a line matches on its description, id,
# table name, title or dimension values; it has no place, so asking for one leaves it out (as it
# leaves out NIPA's lines). Hits come in order of how many words their own fields match: a
# table's title matches every line of the table.
_SEARCH = """
WITH titles AS (
    SELECT DISTINCT ON (dataset, table_name) dataset, table_name, title
    FROM bea.release_tables WHERE title IS NOT NULL
    ORDER BY dataset, table_name, release_date DESC
), lines AS (
    SELECT s.dataset, s.table_name, s.line_number, s.series_code, s.line_description, s.unit, s.unit_mult,
           s.metric_name, t.title AS table_title, {score} AS score
    FROM bea.series s LEFT JOIN titles t USING (dataset, table_name)
    WHERE (CAST(:dataset AS text) IS NULL OR s.dataset = :dataset) {words}
), places AS (
    SELECT geo_fips, geo_name FROM bea.geographies
    WHERE CASE WHEN CAST(:place AS text) IS NULL THEN geo_fips = '{nation}'
               ELSE geo_fips = :place OR geo_name ILIKE :place_pattern END
), candidates AS (
    SELECT l.*, CASE WHEN l.dataset = 'Regional' THEN l.line_number || '|' || p.geo_fips
                     ELSE l.line_number::text END AS series_id,
           CASE WHEN l.dataset = 'Regional' THEN p.geo_fips END AS geo_fips,
           CASE WHEN l.dataset = 'Regional' THEN p.geo_name END AS geo_name
    FROM lines l
    LEFT JOIN places p ON l.dataset = 'Regional'
    WHERE l.dataset = 'Regional' OR CAST(:place AS text) IS NULL
), found AS (
    SELECT c.dataset, c.table_name, c.series_id, c.line_number, c.series_code, c.line_description,
           c.geo_fips, c.geo_name, c.unit, c.unit_mult, c.metric_name, c.table_title, c.score
    FROM candidates c
    WHERE c.series_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM bea.observations o
        WHERE o.dataset = c.dataset AND o.table_name = c.table_name AND o.series_id = c.series_id
    )
    UNION ALL
    SELECT d.dataset, d.table_name, d.series_id, NULL, NULL, d.description, NULL, NULL, d.unit, d.unit_mult,
           NULL, t.title, {unlined_score}
    FROM bea.dataset_series d LEFT JOIN titles t USING (dataset, table_name)
    WHERE CAST(:place AS text) IS NULL AND (CAST(:dataset AS text) IS NULL OR d.dataset = :dataset)
          {unlined_words}
)
SELECT dataset || '/' || table_name || '/' || series_id AS series,
       dataset, table_name, series_id, line_number, series_code, line_description,
       geo_fips, geo_name, unit, unit_mult, metric_name, table_title
FROM found
ORDER BY score DESC, dataset, table_name, line_number, geo_fips, series_id
LIMIT :limit
"""


def search(
    engine: sa.Engine,
    text: str,
    *,
    dataset: str | None = None,
    geography: str | None = None,
    limit: int = 50,
) -> pl.DataFrame:
    """Series whose line matches every word of ``text`` (in its description, code, table name,
    the table's title, unit or metric, e.g. "real chained"; for a series without a line, its
    description, id, table name, title or dimension values; case does not matter), those whose
    own fields match more words first, ``SEARCH_COLUMNS``, at most ``limit``.
    ``geography`` (a place's name or FIPS code) picks the place of Regional's series and leaves
    out datasets without places; without it Regional's series are the nation's."""
    words = text.split()
    if not words:
        raise QueryError("search: give at least one word")
    if len(words) > MAX_WORDS:
        raise QueryError(f"search: at most {MAX_WORDS} words, got {len(words)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit {limit}: expected 1 to {MAX_LIMIT}")
    # A hit needs every word somewhere among its fields; hits whose own fields (not their table's
    # name or title, which every line of the table shares) match more words come first.
    line_words, line_score = _matching(len(words), _LINE_OWN, _LINE_TABLE)
    unlined_words, unlined_score = _matching(len(words), _UNLINED_OWN, _UNLINED_TABLE)
    params: dict[str, object] = {f"w{i}": f"%{_escaped(w)}%" for i, w in enumerate(words)}
    place = geography.strip() if geography and geography.strip() else None
    params.update(
        dataset=dataset,
        place=place,
        place_pattern=f"%{_escaped(place)}%" if place else None,
        limit=limit,
    )
    sql = _SEARCH.format(
        words=line_words,
        score=line_score,
        unlined_words=unlined_words,
        unlined_score=unlined_score,
        nation=NATION,
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    return pl.DataFrame(rows, schema=SEARCH_COLUMNS, orient="row")


# The fields a word is matched against: a series' own, and its table's.
_LINE_OWN = ("s.line_description", "s.series_code", "s.unit", "s.metric_name")
_LINE_TABLE = ("s.table_name", "t.title")
_UNLINED_OWN = ("d.description", "d.series_id", "CAST(d.dimensions AS text)")
_UNLINED_TABLE = ("d.table_name", "t.title")


def _matching(words: int, own: tuple[str, ...], table: tuple[str, ...]) -> tuple[str, str]:
    """The conditions that every word (``:w0`` …) is in one of the fields, and the score: how many
    words are in the series' own fields."""

    def among(fields: tuple[str, ...], i: int) -> str:
        return " OR ".join(f"{f} ILIKE :w{i}" for f in fields)

    conditions = "".join(f" AND ({among(own + table, i)})" for i in range(words))
    score = " + ".join(f"coalesce({among(own, i)}, false)::int" for i in range(words))
    return conditions, score


def _escaped(word: str) -> str:
    """A word matched as itself: ILIKE's wildcards and escape character taken literally."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
