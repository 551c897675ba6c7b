-- The role the analysts' read API works as (`mdi serve` connects, then SET ROLE bea_reader):
-- it may read schema bea's tables and views, and nothing else. Roles belong to the whole
-- server, so it is created once (two databases migrating at once may both try); it is created
-- only where the migrating user may create roles (the embedded server, RDS's master user).
-- Elsewhere `mdi serve` says so and relies on read-only transactions alone.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bea_reader')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        BEGIN
            CREATE ROLE bea_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bea_reader') THEN
        GRANT USAGE ON SCHEMA bea TO bea_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA bea TO bea_reader;
        -- Tables and views made later by this user (views.sql re-applies the views) too.
        ALTER DEFAULT PRIVILEGES IN SCHEMA bea GRANT SELECT ON TABLES TO bea_reader;
        IF NOT pg_has_role(current_user, 'bea_reader', 'MEMBER') THEN
            GRANT bea_reader TO CURRENT_USER;
        END IF;
    END IF;
END $$;
