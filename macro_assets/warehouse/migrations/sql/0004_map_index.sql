-- One line of a table in one period, every place (a county map), as of a date: the key's index
-- (by series, "line|place") cannot reach it, so such a read scanned the table's every row
-- (1.5 s for a county table of 7.5 million rows). Rows arrive table by table and line by line,
-- so block ranges of a few hundred rows each hold one line's rows: a block-range index finds
-- them at almost no cost to a load (an extra B-tree slowed every load by about a third at full
-- NIPA scale: docs/performance.md). Ranges written by a load are summarised at its end (the
-- load calls brin_summarize_new_values); autosummarize covers rows written any other way.
CREATE INDEX IF NOT EXISTS observations_map ON bea.observations
    USING brin (dataset, table_name, line_number, time_period)
    WITH (pages_per_range = 32, autosummarize = on);
