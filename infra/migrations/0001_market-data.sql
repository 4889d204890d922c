-- Up Migration
-- Market data and its ingestion bookkeeping.
--
-- Time convention (all migrations): event times from the market or the engine are bigint Unix epoch
-- integers whose unit is in the column name (`*_ms` milliseconds, `*_us` microseconds), exactly as in
-- core/; bookkeeping instants (when a row or a run was created, started, finished) are timestamptz.
-- Prices, sizes and money are NUMERIC (exact); the application passes them as decimal strings.

CREATE TABLE ohlcv (
  venue text NOT NULL CONSTRAINT ohlcv_venue_not_empty CHECK (venue <> ''),
  symbol text NOT NULL CONSTRAINT ohlcv_symbol_not_empty CHECK (symbol <> ''),
  "interval" text NOT NULL CONSTRAINT ohlcv_interval_format CHECK ("interval" ~ '^[1-9][0-9]*[smhdwM]$'),
  open_time_ms bigint NOT NULL CONSTRAINT ohlcv_open_time_non_negative CHECK (open_time_ms >= 0),
  open numeric NOT NULL CONSTRAINT ohlcv_open_positive CHECK (open > 0),
  high numeric NOT NULL,
  low numeric NOT NULL CONSTRAINT ohlcv_low_positive CHECK (low > 0),
  close numeric NOT NULL CONSTRAINT ohlcv_close_positive CHECK (close > 0),
  volume numeric NOT NULL CONSTRAINT ohlcv_volume_non_negative CHECK (volume >= 0),
  CONSTRAINT ohlcv_pkey PRIMARY KEY (venue, symbol, "interval", open_time_ms),
  CONSTRAINT ohlcv_high_gte_low CHECK (high >= low),
  CONSTRAINT ohlcv_open_close_within_range CHECK (open BETWEEN low AND high AND close BETWEEN low AND high)
);

COMMENT ON TABLE ohlcv IS 'Candles; open_time_ms = Unix epoch ms of the candle open; prices in quote currency, volume in base units.';

CREATE TABLE trades (
  venue text NOT NULL CONSTRAINT trades_venue_not_empty CHECK (venue <> ''),
  symbol text NOT NULL CONSTRAINT trades_symbol_not_empty CHECK (symbol <> ''),
  trade_id bigint NOT NULL CONSTRAINT trades_trade_id_non_negative CHECK (trade_id >= 0),
  price numeric NOT NULL CONSTRAINT trades_price_positive CHECK (price > 0),
  qty numeric NOT NULL CONSTRAINT trades_qty_positive CHECK (qty > 0),
  aggressor text NOT NULL CONSTRAINT trades_aggressor_side CHECK (aggressor IN ('buy', 'sell')),
  trade_time_ms bigint NOT NULL CONSTRAINT trades_trade_time_non_negative CHECK (trade_time_ms >= 0),
  CONSTRAINT trades_pkey PRIMARY KEY (venue, symbol, trade_id)
);

COMMENT ON TABLE trades IS 'Public trade prints; trade_time_ms = exchange trade time (Unix epoch ms); aggressor = taker side.';

CREATE INDEX trades_time_idx ON trades (venue, symbol, trade_time_ms);

-- One row per ingestion batch, keyed by an idempotency key (workflow id + step + chunk): a retried
-- activity finds its batch already recorded and skips the work.
CREATE TABLE ingest_batches (
  id text PRIMARY KEY CONSTRAINT ingest_batches_id_not_empty CHECK (id <> ''),
  dataset text NOT NULL CONSTRAINT ingest_batches_dataset CHECK (dataset IN ('ohlcv', 'trades')),
  venue text NOT NULL,
  symbol text NOT NULL,
  "interval" text,
  from_time_ms bigint,
  to_time_ms bigint,
  rows_seen integer NOT NULL CONSTRAINT ingest_batches_rows_seen_non_negative CHECK (rows_seen >= 0),
  rows_inserted integer NOT NULL
    CONSTRAINT ingest_batches_rows_inserted_range CHECK (rows_inserted BETWEEN 0 AND rows_seen),
  source text NOT NULL,
  digest text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ingest_batches_interval_for_ohlcv CHECK ((dataset = 'ohlcv') = ("interval" IS NOT NULL)),
  CONSTRAINT ingest_batches_time_range CHECK (from_time_ms IS NULL OR to_time_ms IS NULL OR from_time_ms <= to_time_ms)
);

-- Down Migration
DROP TABLE ingest_batches;
DROP TABLE trades;
DROP TABLE ohlcv;
