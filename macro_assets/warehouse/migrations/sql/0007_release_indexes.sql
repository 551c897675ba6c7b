-- What a release changed (macro_assets.query: release_diff, release_summary) is the rows it
-- started (published_in = R) against the rows it ended (replaced_in = R); without an index each
-- read scanned the whole table (0.5 s a side at full NIPA with twelve vintages).
-- Ended rows: a B-tree over closed rows only, so an entry per revision and none per insert: a
-- first load pays nothing for it (an index over every row slowed every load by about a third,
-- docs/performance.md). Started rows: a block-range index, almost free to keep; a release's
-- rows lie together but where a load refills space that earlier revisions freed, so it narrows
-- the scan rather than pinpointing (docs/performance.md, "The analysts' questions").
CREATE INDEX IF NOT EXISTS observations_replaced ON bea.observations (replaced_in)
    WHERE replaced_in IS NOT NULL;
CREATE INDEX IF NOT EXISTS observations_published ON bea.observations
    USING brin (published_in) WITH (pages_per_range = 16, autosummarize = on);
