-- A load closes each value a release revises or drops (replaced_in = R, an UPDATE). While a
-- B-tree covered replaced_in (0007's observations_replaced) no closing could be a HOT update:
-- each wrote its new row version on another page plus a new entry in the key index, 45 µs a
-- row and half of a county vintage's load (docs/performance.md). A block-range index does not
-- rule HOT out (PostgreSQL 16 on: only summarizing indexes then cover the column), and, a page
-- a range with each page's set of releases (minmax_multi, as 0009 did for published_in), it
-- still leads a release diff to just the pages that hold the rows the release ended: the same
-- pages the B-tree led to, each read whole (a bitmap of pages, not of rows). fillfactor 90
-- leaves each page the room for its rows' closed versions; the load closes a table's rows
-- before it COPYs the new ones, which would otherwise fill that room first. Rows written
-- before this migration keep their full pages: their closings stay ordinary updates.
ALTER TABLE bea.observations SET (fillfactor = 90);
DROP INDEX IF EXISTS bea.observations_replaced;
CREATE INDEX observations_replaced ON bea.observations
    USING brin (replaced_in date_minmax_multi_ops) WITH (pages_per_range = 1, autosummarize = off);
