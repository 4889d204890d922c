-- Up Migration
-- Data-quality reports of ingested market data (the `validate-market-data` pipeline step): counts of
-- gaps, duplicates and impossible values per dataset, with the full figures as JSON. Keyed by the
-- step's idempotency key, so a retried validation overwrites its own report.
CREATE TABLE data_quality_reports (
  id text PRIMARY KEY,
  venue text NOT NULL,
  symbol text NOT NULL,
  dataset text NOT NULL CONSTRAINT data_quality_reports_dataset CHECK (dataset IN ('ohlcv', 'trades')),
  "interval" text,
  rows_checked bigint NOT NULL CONSTRAINT data_quality_reports_rows_nonnegative CHECK (rows_checked >= 0),
  gaps bigint NOT NULL CHECK (gaps >= 0),
  duplicates bigint NOT NULL CHECK (duplicates >= 0),
  impossible bigint NOT NULL CHECK (impossible >= 0),
  details jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT data_quality_reports_interval CHECK ((dataset = 'ohlcv') = ("interval" IS NOT NULL))
);
CREATE INDEX data_quality_reports_dataset_idx ON data_quality_reports (venue, symbol, dataset, created_at);

-- Down Migration
DROP TABLE data_quality_reports;
