-- The warehouse keeps every vintage without repeating unrevised values: a row holds one value
-- of one key from the release that first published it (published_in) until the release that
-- replaced it or dropped the key (replaced_in, NULL while current). Storage grows with
-- revisions, not with the number of releases loaded.
CREATE SCHEMA IF NOT EXISTS bea;

CREATE TABLE IF NOT EXISTS bea.observations (
    dataset          text     NOT NULL,
    table_name       text     NOT NULL,
    line_number      integer  NOT NULL,
    series_code      text     NOT NULL,
    line_description text     NOT NULL,
    geo_fips         text     NOT NULL,
    geo_name         text     NOT NULL,
    geo_level        text     NOT NULL CHECK (geo_level IN ('nation', 'region', 'state', 'local')),
    time_period      text     NOT NULL,
    frequency        char(1)  NOT NULL CHECK (frequency IN ('A', 'Q', 'M')),
    period_start     date     NOT NULL,
    period_end       date     NOT NULL,
    value            double precision,
    value_status     text,
    metric_name      text     NOT NULL,
    unit             text     NOT NULL,
    unit_mult        integer  NOT NULL,
    published_in     date     NOT NULL,
    replaced_in      date,
    PRIMARY KEY (dataset, table_name, line_number, geo_fips, time_period, published_in),
    CHECK ((value IS NULL) <> (value_status IS NULL)),
    CHECK (replaced_in IS NULL OR replaced_in > published_in)
);
-- No secondary index: the key serves the fold and the as-of reads, and every extra index
-- slows every load by about a third (docs/performance.md).
DROP INDEX IF EXISTS bea.observations_current;

CREATE TABLE IF NOT EXISTS bea.indicators (
    dataset      text             NOT NULL DEFAULT 'gold',
    table_name   text             NOT NULL,  -- the indicator: each one is loaded as its own unit
    indicator    text             NOT NULL,
    frequency    char(1)          NOT NULL,
    time_period  text             NOT NULL,
    period_end   date             NOT NULL,
    value        double precision NOT NULL,
    unit         text             NOT NULL,
    published_in date             NOT NULL,
    replaced_in  date,
    PRIMARY KEY (indicator, frequency, time_period, published_in),
    CHECK (replaced_in IS NULL OR replaced_in > published_in)
);

-- Which release's data each table was loaded from: the timeline the intervals above refer to.
CREATE TABLE IF NOT EXISTS bea.release_tables (
    release_date  date        NOT NULL,
    dataset       text        NOT NULL,
    table_name    text        NOT NULL,
    bea_release   text,
    last_revised  date,
    row_count     integer     NOT NULL,
    data_sha256   text        NOT NULL,
    run_id        text,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_date, dataset, table_name)
);
-- What the data are: 'bea' (BEA's answers) or 'sandbox' (made-up numbers of the offline
-- sandbox), from the bronze manifest; NULL for loads from before the label. A warehouse holds
-- one or the other, never both (the load refuses to mix them).
ALTER TABLE bea.release_tables ADD COLUMN IF NOT EXISTS source text
    CHECK (source IN ('bea', 'sandbox'));

-- The exact silver and gold a release was loaded from (sha256 of both files): a re-run with the
-- same inputs is recognised here and skipped without touching the tables.
CREATE TABLE IF NOT EXISTS bea.release_loads (
    release_date  date        NOT NULL,
    source_sha256 text        NOT NULL,
    run_id        text,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (release_date, source_sha256)
);

-- One row per table a load touched: who loaded what, from which bronze answers, with what
-- effect. Written in the load's own transaction, so it never records a load that rolled back.
CREATE TABLE IF NOT EXISTS bea.load_audit (
    audit_id        bigserial   PRIMARY KEY,
    run_id          text,
    release_date    date        NOT NULL,  -- the partition
    asset           text        NOT NULL,
    target          text        NOT NULL,  -- bea.observations or bea.indicators
    dataset         text        NOT NULL,
    table_name      text        NOT NULL,
    outcome         text        NOT NULL
                    CHECK (outcome IN ('folded', 'same_as_previous', 'already_loaded')),
    rows_in_release integer     NOT NULL,
    rows_inserted   integer     NOT NULL,
    rows_closed     integer     NOT NULL,
    rows_extended   integer     NOT NULL,
    rows_unchanged  integer     NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    code_version    text        NOT NULL,
    bronze_objects  jsonb       NOT NULL   -- [{uri, sha256, last_revised, line_code}]
);
CREATE INDEX IF NOT EXISTS load_audit_table ON bea.load_audit (dataset, table_name, release_date);
CREATE INDEX IF NOT EXISTS load_audit_run ON bea.load_audit (run_id);

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

-- Dimensions an analyst joins to the fact: kept current by every load.
CREATE TABLE IF NOT EXISTS bea.series (
    dataset          text    NOT NULL,
    table_name       text    NOT NULL,
    line_number      integer NOT NULL,
    series_code      text    NOT NULL,
    line_description text    NOT NULL,
    unit             text    NOT NULL,
    unit_mult        integer NOT NULL,
    parent_line      integer,
    as_of_release    date    NOT NULL,
    PRIMARY KEY (dataset, table_name, line_number)
);

CREATE TABLE IF NOT EXISTS bea.geographies (
    geo_fips  text PRIMARY KEY,
    geo_name  text NOT NULL,
    geo_level text NOT NULL,
    as_of_release date NOT NULL
);

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
-- date, so a gap in a series yields NULL rather than a change across it).
CREATE OR REPLACE VIEW bea.observation_changes AS
SELECT o.dataset, o.table_name, o.line_number, o.series_code, o.geo_fips, o.time_period, o.frequency,
       o.period_end, o.value, o.unit, o.unit_mult,
       p.value AS previous_value,
       o.value - p.value AS change,
       100 * (o.value / NULLIF(p.value, 0) - 1) AS percent_change,
       y.value AS year_ago_value,
       100 * (o.value / NULLIF(y.value, 0) - 1) AS percent_change_year_ago
FROM bea.observations_latest o
LEFT JOIN bea.observations_latest p
  ON (p.dataset, p.table_name, p.line_number, p.geo_fips, p.frequency)
   = (o.dataset, o.table_name, o.line_number, o.geo_fips, o.frequency)
 AND p.period_start = o.period_start - CASE o.frequency WHEN 'A' THEN interval '1 year'
                                                        WHEN 'Q' THEN interval '3 months'
                                                        ELSE interval '1 month' END
LEFT JOIN bea.observations_latest y
  ON (y.dataset, y.table_name, y.line_number, y.geo_fips, y.frequency)
   = (o.dataset, o.table_name, o.line_number, o.geo_fips, o.frequency)
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
