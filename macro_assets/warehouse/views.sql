-- Views and functions over the tables: re-applied from this one file after every upgrade
-- (CREATE OR REPLACE), so a change to a view is an edit here, not a migration. A view may only
-- gain columns at its end this way; one that drops or renames a column needs a migration that
-- drops it first.

-- Where each (release, table) in the warehouse came from: the run whose load it is, and the
-- bronze answers it was parsed from. Join bea.observations on published_in = release_date.
CREATE OR REPLACE VIEW bea.table_lineage AS
SELECT r.release_date, r.dataset, r.table_name, r.bea_release, r.last_revised, r.row_count,
       r.data_sha256, r.run_id, r.loaded_at, a.code_version, a.bronze_objects, r.source
FROM bea.release_tables r
LEFT JOIN LATERAL (
    SELECT code_version, bronze_objects FROM bea.load_audit a
    WHERE a.run_id IS NOT DISTINCT FROM r.run_id AND a.release_date = r.release_date
      AND a.dataset = r.dataset AND a.table_name = r.table_name AND a.outcome <> 'already_loaded'
    ORDER BY a.audit_id LIMIT 1
) a ON true;

CREATE OR REPLACE VIEW bea.observations_latest AS
SELECT * FROM bea.observations WHERE replaced_in IS NULL;

-- The observations as BEA published them on day `as_of`: the newest loaded release at or
-- before that day, table by table.
CREATE OR REPLACE FUNCTION bea.observations_as_of(as_of date)
RETURNS SETOF bea.observations
LANGUAGE sql STABLE AS $$
    SELECT * FROM bea.observations
    WHERE published_in <= as_of AND (replaced_in IS NULL OR replaced_in > as_of)
$$;

CREATE OR REPLACE VIEW bea.indicators_latest AS
SELECT indicator, frequency, time_period, period_end, value, unit, published_in
FROM bea.indicators WHERE replaced_in IS NULL;

-- Per indicator and period: the first published value, the latest, and the total revision.
CREATE OR REPLACE VIEW bea.indicator_revisions AS
SELECT indicator, frequency, time_period, period_end, unit,
       first_value, first_published, latest_value, latest_published,
       latest_value - first_value AS total_revision,
       revisions
FROM (
    SELECT indicator, frequency, time_period, max(period_end) AS period_end, max(unit) AS unit,
           (array_agg(value ORDER BY published_in))[1] AS first_value,
           min(published_in) AS first_published,
           (array_agg(value ORDER BY published_in DESC))[1] AS latest_value,
           max(published_in) AS latest_published,
           count(*) - 1 AS revisions,
           bool_or(replaced_in IS NULL) AS current
    FROM bea.indicators
    GROUP BY indicator, frequency, time_period
) per_period
WHERE current;

CREATE OR REPLACE VIEW bea.releases AS
SELECT release_date,
       array_agg(DISTINCT bea_release ORDER BY bea_release) FILTER (WHERE bea_release IS NOT NULL) AS bea_releases,
       count(*) AS tables,
       jsonb_object_agg(dataset || '/' || table_name, last_revised) AS last_revised
FROM bea.release_tables
WHERE dataset <> 'gold'
GROUP BY release_date;

-- Latest values, one wide row per state (and region, and the nation) and year.
CREATE OR REPLACE VIEW bea.state_annual_latest AS
SELECT o.geo_fips, g.geo_name, g.geo_level, o.time_period::int AS year,
       max(o.value * 10 ^ o.unit_mult) FILTER (WHERE o.table_name = 'SAINC1' AND o.line_number = 1) AS personal_income,
       max(o.value) FILTER (WHERE o.table_name = 'SAINC1' AND o.line_number = 2) AS population,
       max(o.value) FILTER (WHERE o.table_name = 'SAINC1' AND o.line_number = 3) AS per_capita_personal_income,
       max(o.value * 10 ^ o.unit_mult) FILTER (WHERE o.table_name = 'SAGDP2' AND o.line_number = 1) AS gdp,
       max(o.value * 10 ^ o.unit_mult) FILTER (WHERE o.table_name = 'SAGDP9' AND o.line_number = 1) AS real_gdp,
       max(o.value * 10 ^ o.unit_mult) FILTER (WHERE o.table_name = 'SAPCE1' AND o.line_number = 1) AS pce,
       max(o.value) FILTER (WHERE o.table_name = 'SARPP' AND o.line_number = 1) AS regional_price_parity,
       max(o.value * 10 ^ o.unit_mult) FILTER (WHERE o.table_name = 'SARPI' AND o.line_number = 1) AS real_personal_income
FROM bea.observations_latest o
JOIN bea.geographies g USING (geo_fips)
WHERE o.dataset = 'Regional' AND o.frequency = 'A' AND o.geo_level IN ('nation', 'region', 'state')
GROUP BY o.geo_fips, g.geo_name, g.geo_level, o.time_period;

-- Latest values with the change from the preceding period and from a year earlier (found by
-- date, so a gap in a series yields NULL rather than a change across it), for every dataset.
CREATE OR REPLACE VIEW bea.observation_changes AS
SELECT o.dataset, o.table_name, o.line_number, o.series_code, o.geo_fips, o.time_period, o.frequency,
       o.period_end, o.value, o.unit, o.unit_mult,
       p.value AS previous_value,
       o.value - p.value AS change,
       100 * (o.value / NULLIF(p.value, 0) - 1) AS percent_change,
       y.value AS year_ago_value,
       100 * (o.value / NULLIF(y.value, 0) - 1) AS percent_change_year_ago,
       o.series_id
FROM bea.observations_latest o
LEFT JOIN bea.observations_latest p
  ON (p.dataset, p.table_name, p.series_id, p.frequency)
   = (o.dataset, o.table_name, o.series_id, o.frequency)
 AND p.period_start = o.period_start - CASE o.frequency WHEN 'A' THEN interval '1 year'
                                                        WHEN 'Q' THEN interval '3 months'
                                                        ELSE interval '1 month' END
LEFT JOIN bea.observations_latest y
  ON (y.dataset, y.table_name, y.series_id, y.frequency)
   = (o.dataset, o.table_name, o.series_id, o.frequency)
 AND y.period_start = o.period_start - interval '1 year';

-- Regional dollar values per person, using SAINC1's population of the same place and year.
CREATE OR REPLACE VIEW bea.state_per_capita AS
SELECT o.table_name, o.line_number, o.series_code, o.line_description, o.geo_fips, o.geo_name, o.geo_level,
       o.time_period::int AS year,
       o.value * 10 ^ o.unit_mult AS value_dollars,
       pop.value AS population,
       o.value * 10 ^ o.unit_mult / NULLIF(pop.value, 0) AS dollars_per_person
FROM bea.observations_latest o
JOIN bea.observations_latest pop
  ON pop.dataset = 'Regional' AND pop.table_name = 'SAINC1' AND pop.line_number = 2
 AND pop.geo_fips = o.geo_fips AND pop.time_period = o.time_period
WHERE o.dataset = 'Regional' AND o.frequency = 'A' AND o.value IS NOT NULL
  AND o.unit ~* '^(millions|thousands) of .*dollars';
