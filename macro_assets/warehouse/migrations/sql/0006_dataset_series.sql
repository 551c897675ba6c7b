-- The series of datasets without lines or places (ITA, IIP, MNE, GDP by industry, input-output,
-- …), named by series_id from BEA's dimension values: described here, as bea.series describes
-- lines, so that words find them (macro_assets.query.search). Every load refreshes it from its
-- release's rows; the newest release's description wins, so releases may load in any order.
CREATE TABLE IF NOT EXISTS bea.dataset_series (
    dataset        text    NOT NULL,
    table_name     text    NOT NULL,
    series_id      text    NOT NULL,
    description    text    NOT NULL,
    dimensions     jsonb,
    unit           text,
    unit_mult      integer,
    as_of_release  date    NOT NULL,
    PRIMARY KEY (dataset, table_name, series_id)
);

-- Series loaded before this table: each as its newest period describes it. The description is
-- BEA's line description, else the input-output row and column, else the series' own id (the
-- load's rule, macro_assets/warehouse/dimensions.py).
INSERT INTO bea.dataset_series AS t
    (dataset, table_name, series_id, description, dimensions, unit, unit_mult, as_of_release)
SELECT DISTINCT ON (dataset, table_name, series_id)
       dataset, table_name, series_id,
       coalesce(line_description,
                nullif(concat_ws(' / ', dimensions ->> 'RowDescr', dimensions ->> 'ColDescr'), ''),
                series_id),
       dimensions, unit, unit_mult, published_in
FROM bea.observations
WHERE line_number IS NULL
ORDER BY dataset, table_name, series_id, published_in DESC, period_end DESC
ON CONFLICT (dataset, table_name, series_id) DO NOTHING;

-- Readable by the read API's role (0005's default privileges cover tables its user makes; this
-- covers a table made by another user).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bea_reader') THEN
        GRANT SELECT ON bea.dataset_series TO bea_reader;
    END IF;
END $$;
