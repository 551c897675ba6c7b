-- What the data are: 'bea' (BEA's answers) or 'sandbox' (made-up numbers of the offline
-- sandbox), from the bronze manifest; NULL for loads from before the label. A warehouse holds
-- one or the other, never both (the load refuses to mix them).
ALTER TABLE bea.release_tables ADD COLUMN IF NOT EXISTS source text
    CHECK (source IN ('bea', 'sandbox'));
