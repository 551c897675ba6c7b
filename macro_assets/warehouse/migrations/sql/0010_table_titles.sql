-- BEA's title of a table as the release's answers give it (NIPA's own note without its
-- LastRevised stamp, Regional's PublicTable): "real" then finds Table 1.1.6, "Real Gross
-- Domestic Product, Chained Dollars", whose lines only say "Gross domestic product". Kept per
-- release, as BEA may retitle a table; search takes the newest. Releases loaded before this
-- revision have none (their manifests did not record titles): the next capture fills them.
ALTER TABLE bea.release_tables ADD COLUMN IF NOT EXISTS title text;
