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
-- The map index (0004) summarised line_number by its min..max over 32 pages. A load now finds
-- room on old pages (the room above), and a few of its new rows land there: 3,585 of a county
-- vintage's 2.7 million widened 3,150 ranges to span many lines, and a county map read 92,000
-- pages instead of 4,000 (p50 33 → 155 ms). Summarised by its set of values (minmax_multi),
-- a stray row no longer matches other lines' maps: 6,208 pages, p50 36 ms.
DROP INDEX IF EXISTS bea.observations_map;
CREATE INDEX observations_map ON bea.observations
    USING brin (dataset, table_name, line_number int4_minmax_multi_ops, time_period)
    WITH (pages_per_range = 32, autosummarize = on);
