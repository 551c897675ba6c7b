-- Every BEA dataset in one observation model (issue 16): a series is named by series_id, built
-- from BEA's own dimension values (docs/warehouse.md lists them per dataset), and the values
-- that name it are kept in dimensions (jsonb). The key becomes (dataset, table_name, series_id,
-- time_period); line, geography and the NIPA-shaped labels are null where a dataset has none.
ALTER TABLE bea.observations ADD COLUMN IF NOT EXISTS series_id text;
ALTER TABLE bea.observations ADD COLUMN IF NOT EXISTS dimensions jsonb;

-- Rows loaded before: NIPA-shaped tables are one series per line, Regional's per line and place.
UPDATE bea.observations
SET series_id = CASE WHEN dataset = 'Regional' THEN line_number || '|' || geo_fips ELSE line_number::text END
WHERE series_id IS NULL;
ALTER TABLE bea.observations ALTER COLUMN series_id SET NOT NULL;

ALTER TABLE bea.observations DROP CONSTRAINT observations_pkey;
ALTER TABLE bea.observations ADD PRIMARY KEY (dataset, table_name, series_id, time_period, published_in);

ALTER TABLE bea.observations
    ALTER COLUMN line_number DROP NOT NULL,
    ALTER COLUMN series_code DROP NOT NULL,
    ALTER COLUMN line_description DROP NOT NULL,
    ALTER COLUMN geo_fips DROP NOT NULL,
    ALTER COLUMN geo_name DROP NOT NULL,
    ALTER COLUMN geo_level DROP NOT NULL,
    ALTER COLUMN metric_name DROP NOT NULL,
    ALTER COLUMN unit DROP NOT NULL,
    ALTER COLUMN unit_mult DROP NOT NULL;


-- A table's recorded data hash was taken over the columns before series_id and dimensions:
-- marked as such, so that re-loading a release loaded before compares like with like.
UPDATE bea.release_tables SET data_sha256 = 'v1:' || data_sha256
WHERE dataset <> 'gold' AND data_sha256 NOT LIKE 'v1:%';
