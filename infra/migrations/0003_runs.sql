-- Up Migration
-- Backtest runs, engine runs, and what they decided and did (quotes, orders, fills).
--
-- Design: `runs` is the common parent of `backtest_runs` and `engine_runs` (supertype/subtype). Each
-- subtype row references `runs (id, kind)` with its kind fixed by a CHECK, so one id can be a backtest
-- or an engine run, never both. `quotes`, `orders` and `fills` reference `runs (id)` through a single
-- `run_id`: a real foreign key whichever kind of run produced them, with one code path to write them.

CREATE TABLE runs (
  id text PRIMARY KEY CONSTRAINT runs_id_not_empty CHECK (id <> ''),
  kind text NOT NULL CONSTRAINT runs_kind CHECK (kind IN ('backtest', 'engine')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT runs_id_kind_key UNIQUE (id, kind)
);

CREATE TABLE backtest_runs (
  -- Idempotency key, e.g. `<workflowId>/<step>`.
  id text PRIMARY KEY,
  kind text NOT NULL DEFAULT 'backtest' CONSTRAINT backtest_runs_kind CHECK (kind = 'backtest'),
  model_version_id text CONSTRAINT backtest_runs_model_version_fkey REFERENCES model_versions (id),
  session text NOT NULL,
  venue text NOT NULL,
  symbol text NOT NULL,
  config jsonb NOT NULL CONSTRAINT backtest_runs_config_object CHECK (jsonb_typeof(config) = 'object'),
  kpis jsonb NOT NULL CONSTRAINT backtest_runs_kpis_object CHECK (jsonb_typeof(kpis) = 'object'),
  events bigint NOT NULL CONSTRAINT backtest_runs_events_non_negative CHECK (events >= 0),
  quotes bigint NOT NULL CONSTRAINT backtest_runs_quotes_non_negative CHECK (quotes >= 0),
  fills bigint NOT NULL CONSTRAINT backtest_runs_fills_non_negative CHECK (fills >= 0),
  net_pnl_quote numeric NOT NULL,
  -- NULL = undefined (too few samples or zero variance).
  sharpe double precision,
  max_drawdown_quote numeric NOT NULL CONSTRAINT backtest_runs_drawdown_non_negative CHECK (max_drawdown_quote >= 0),
  rms_inventory_ratio double precision CONSTRAINT backtest_runs_rms_inventory_non_negative CHECK (rms_inventory_ratio >= 0),
  spread_captured_pct double precision,
  fill_ratio double precision CONSTRAINT backtest_runs_fill_ratio_range CHECK (fill_ratio BETWEEN 0 AND 1),
  cancel_ratio double precision CONSTRAINT backtest_runs_cancel_ratio_range CHECK (cancel_ratio BETWEEN 0 AND 1),
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  source text NOT NULL CONSTRAINT backtest_runs_source CHECK (source IN ('workflow', 'cli', 'engine')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT backtest_runs_run_fkey FOREIGN KEY (id, kind) REFERENCES runs (id, kind) ON DELETE CASCADE,
  CONSTRAINT backtest_runs_time_order CHECK (finished_at >= started_at)
);

CREATE INDEX backtest_runs_model_version_idx ON backtest_runs (model_version_id);

CREATE TABLE engine_runs (
  id text PRIMARY KEY,
  kind text NOT NULL DEFAULT 'engine' CONSTRAINT engine_runs_kind CHECK (kind = 'engine'),
  mode text NOT NULL CONSTRAINT engine_runs_mode CHECK (mode IN ('replay', 'paper', 'live')),
  model_version_id text CONSTRAINT engine_runs_model_version_fkey REFERENCES model_versions (id),
  -- Recorded data session replayed (replay mode); NULL for paper/live unless the caller labels one.
  session text,
  venue text NOT NULL,
  symbol text NOT NULL,
  started_at timestamptz NOT NULL,
  -- NULL while the run is going.
  ended_at timestamptz,
  kpis jsonb CONSTRAINT engine_runs_kpis_object CHECK (jsonb_typeof(kpis) = 'object'),
  CONSTRAINT engine_runs_run_fkey FOREIGN KEY (id, kind) REFERENCES runs (id, kind) ON DELETE CASCADE,
  CONSTRAINT engine_runs_time_order CHECK (ended_at >= started_at)
);

CREATE INDEX engine_runs_model_version_idx ON engine_runs (model_version_id);

-- One row per quoting decision (core/quoting/intent.ts QuoteIntent). A NULL side = no quote there.
CREATE TABLE quotes (
  run_id text NOT NULL CONSTRAINT quotes_run_fkey REFERENCES runs (id) ON DELETE CASCADE,
  seq bigint NOT NULL CONSTRAINT quotes_seq_non_negative CHECK (seq >= 0),
  decided_at_us bigint NOT NULL,
  bid_ticks bigint,
  ask_ticks bigint,
  bid_price numeric CONSTRAINT quotes_bid_price_positive CHECK (bid_price > 0),
  ask_price numeric CONSTRAINT quotes_ask_price_positive CHECK (ask_price > 0),
  bid_size numeric CONSTRAINT quotes_bid_size_positive CHECK (bid_size > 0),
  ask_size numeric CONSTRAINT quotes_ask_size_positive CHECK (ask_size > 0),
  bid_reason text NOT NULL,
  ask_reason text NOT NULL,
  -- Mid at decision time in ticks (may be x.5); NULL when the book had no mid.
  mid_ticks double precision,
  CONSTRAINT quotes_pkey PRIMARY KEY (run_id, seq),
  CONSTRAINT quotes_bid_complete CHECK (num_nulls(bid_ticks, bid_price, bid_size) IN (0, 3)),
  CONSTRAINT quotes_ask_complete CHECK (num_nulls(ask_ticks, ask_price, ask_size) IN (0, 3)),
  CONSTRAINT quotes_not_crossed CHECK (bid_ticks < ask_ticks)
);

CREATE TABLE orders (
  run_id text NOT NULL CONSTRAINT orders_run_fkey REFERENCES runs (id) ON DELETE CASCADE,
  client_order_id text NOT NULL CONSTRAINT orders_client_order_id_not_empty CHECK (client_order_id <> ''),
  side text NOT NULL CONSTRAINT orders_side CHECK (side IN ('bid', 'ask')),
  price numeric NOT NULL CONSTRAINT orders_price_positive CHECK (price > 0),
  size numeric NOT NULL CONSTRAINT orders_size_positive CHECK (size > 0),
  status text NOT NULL
    CONSTRAINT orders_status CHECK (status IN ('open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired')),
  placed_at_us bigint NOT NULL,
  -- NULL while the order is working.
  done_at_us bigint,
  CONSTRAINT orders_pkey PRIMARY KEY (run_id, client_order_id),
  CONSTRAINT orders_time_order CHECK (done_at_us >= placed_at_us)
);

CREATE TABLE fills (
  run_id text NOT NULL,
  seq bigint NOT NULL CONSTRAINT fills_seq_non_negative CHECK (seq >= 0),
  client_order_id text NOT NULL,
  side text NOT NULL CONSTRAINT fills_side CHECK (side IN ('bid', 'ask')),
  price numeric NOT NULL CONSTRAINT fills_price_positive CHECK (price > 0),
  size numeric NOT NULL CONSTRAINT fills_size_positive CHECK (size > 0),
  -- Quote currency; negative = rebate.
  fee_quote numeric NOT NULL,
  liquidity text NOT NULL CONSTRAINT fills_liquidity CHECK (liquidity IN ('maker', 'taker')),
  time_us bigint NOT NULL,
  CONSTRAINT fills_pkey PRIMARY KEY (run_id, seq),
  -- A fill belongs to an order of the same run: write orders before their fills.
  CONSTRAINT fills_order_fkey FOREIGN KEY (run_id, client_order_id)
    REFERENCES orders (run_id, client_order_id) ON DELETE CASCADE
);

CREATE INDEX fills_order_idx ON fills (run_id, client_order_id);

-- Down Migration
DROP TABLE fills;
DROP TABLE orders;
DROP TABLE quotes;
DROP TABLE engine_runs;
DROP TABLE backtest_runs;
DROP TABLE runs;
