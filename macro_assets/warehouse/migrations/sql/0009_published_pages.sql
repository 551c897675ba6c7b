-- The rows a release started (published_in = R) lie on the pages its load wrote, but those are
-- spread over the table: a load refills the space that earlier revisions freed. A block-range
-- summary of min..max (0007's, 16 pages a range) then matches nearly every range once the table
-- holds an old and a new release side by side: 64,000 of 94,000 pages read for a release's
-- 198,000 rows at full NIPA with twelve vintages. Summarising each page by the set of releases
-- it holds (minmax_multi, a page a range) reads only the pages that hold R: 9,300 (480 → 80 ms).
-- Still free to keep: a load summarises the pages it wrote when it ends (load.py), so no
-- autosummarize (it would ask autovacuum for one work item per page written).
DROP INDEX IF EXISTS bea.observations_published;
CREATE INDEX observations_published ON bea.observations
    USING brin (published_in date_minmax_multi_ops) WITH (pages_per_range = 1, autosummarize = off);
