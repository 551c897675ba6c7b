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
    release_date     date     NOT NULL,
    PRIMARY KEY (dataset, table_name, line_number, geo_fips, time_period, release_date),
    CHECK ((value IS NULL) <> (value_status IS NULL))
);

CREATE TABLE IF NOT EXISTS bea.indicators (
    indicator    text             NOT NULL,
    frequency    char(1)          NOT NULL,
    time_period  text             NOT NULL,
    period_end   date             NOT NULL,
    value        double precision NOT NULL,
    unit         text             NOT NULL,
    release_date date             NOT NULL,
    PRIMARY KEY (indicator, frequency, time_period, release_date)
);
