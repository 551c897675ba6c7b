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
CREATE INDEX IF NOT EXISTS observations_current
    ON bea.observations (dataset, table_name) WHERE replaced_in IS NULL;

CREATE TABLE IF NOT EXISTS bea.indicators (
    dataset      text             NOT NULL DEFAULT 'gold',
    table_name   text             NOT NULL DEFAULT 'indicators',
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
