-- Up Migration
-- NUMERIC admits 'NaN', and PostgreSQL orders NaN above every number, so the positivity and range CHECKs
-- of migration 0001 (open > 0, high >= low, …) all pass for a NaN price. Refuse NaN outright.
-- NOT VALID: rows stored before this migration are not re-checked here (a table with a NaN row would
-- make the migration fail and block every upgrade); the `validate-market-data` step counts such rows
-- as impossible values (`nonFiniteValues`) and fails the pipeline on them.
ALTER TABLE ohlcv ADD CONSTRAINT ohlcv_not_nan
  CHECK (open <> 'NaN' AND high <> 'NaN' AND low <> 'NaN' AND close <> 'NaN' AND volume <> 'NaN') NOT VALID;
ALTER TABLE trades ADD CONSTRAINT trades_not_nan CHECK (price <> 'NaN' AND qty <> 'NaN') NOT VALID;

-- Down Migration
ALTER TABLE trades DROP CONSTRAINT trades_not_nan;
ALTER TABLE ohlcv DROP CONSTRAINT ohlcv_not_nan;
