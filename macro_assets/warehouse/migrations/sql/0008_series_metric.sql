-- What a NIPA-shaped line measures (BEA's METRIC_NAME: "Chained Dollars", "Current Dollars",
-- "Fisher Price Index", …) beside its description, so that words find the right table's line:
-- "Gross domestic product" is line 1 of T10101, T10105 and T10106 alike. Every load refreshes it
-- (macro_assets/warehouse/dimensions.py); lines loaded before are filled from one row each (a
-- probe of the key's index: NIPA-shaped series are named by their line). Regional's lines have
-- no metric: their unit says it ("Millions of chained 2017 dollars").
ALTER TABLE bea.series ADD COLUMN IF NOT EXISTS metric_name text;

UPDATE bea.series s
SET metric_name = (
    SELECT o.metric_name FROM bea.observations o
    WHERE o.dataset = s.dataset AND o.table_name = s.table_name AND o.series_id = s.line_number::text
      AND o.metric_name IS NOT NULL
    ORDER BY o.published_in DESC, o.period_end DESC
    LIMIT 1
)
WHERE s.dataset <> 'Regional' AND s.metric_name IS NULL;
