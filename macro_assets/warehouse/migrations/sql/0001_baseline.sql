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
