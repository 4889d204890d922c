-- Up Migration
-- The data-quality gate of the retraining pipeline (activities/data-quality-gate.ts): one row per gate
-- run (its rules and the sha256 of every session's files, for lineage) and one row per graded window,
-- included or excluded with its reasons (core/dataset/windows.ts). Keyed by the gate's idempotency key,
-- so a retried gate overwrites its own rows.
CREATE TABLE data_quality_gates (
  id text PRIMARY KEY,
  -- QualityRules as run: windowMs, maxTradeGapMs, minTrades.
  rules jsonb NOT NULL,
  sessions text[] NOT NULL,
  -- sessionId -> sha256 (hex) of its depth file's bytes followed by its trades file's bytes.
  dataset_digests jsonb NOT NULL,
  windows_total integer NOT NULL CHECK (windows_total >= 0),
  windows_included integer NOT NULL CHECK (windows_included >= 0 AND windows_included <= windows_total),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_quality_windows (
  gate_id text NOT NULL REFERENCES data_quality_gates (id) ON DELETE CASCADE,
  session_id text NOT NULL,
  -- Exchange time, Unix epoch microseconds, [start_us, end_us).
  start_us bigint NOT NULL,
  end_us bigint NOT NULL,
  depth_events integer NOT NULL CHECK (depth_events >= 0),
  trades integer NOT NULL CHECK (trades >= 0),
  gaps integer NOT NULL CHECK (gaps >= 0),
  resyncs integer NOT NULL CHECK (resyncs >= 0),
  crossed integer NOT NULL CHECK (crossed >= 0),
  max_trade_gap_ms bigint NOT NULL CHECK (max_trade_gap_ms >= 0),
  included boolean NOT NULL,
  reasons text[] NOT NULL,
  PRIMARY KEY (gate_id, session_id, start_us),
  CONSTRAINT data_quality_windows_span CHECK (end_us > start_us),
  CONSTRAINT data_quality_windows_included CHECK (included = (cardinality(reasons) = 0))
);

-- Calibrations of the quoting model (activities/calibrate.ts): sigma and the fill intensity
-- lambda(delta) = A exp(-k delta) over a set of windows, and the model parameters they yield.
CREATE TABLE calibrations (
  id text PRIMARY KEY,
  venue text NOT NULL,
  symbol text NOT NULL,
  -- The windows calibrated on: [{sessionId, startUs, endUs}].
  windows jsonb NOT NULL,
  sigma_ticks_per_sqrt_sec double precision NOT NULL CHECK (sigma_ticks_per_sqrt_sec >= 0),
  a_per_sec double precision NOT NULL CHECK (a_per_sec > 0),
  k_per_tick double precision NOT NULL CHECK (k_per_tick > 0),
  r2 double precision NOT NULL CHECK (r2 >= 0 AND r2 <= 1),
  points integer NOT NULL CHECK (points >= 2),
  -- The calibrated model parameters (ModelParams).
  params jsonb NOT NULL,
  -- The whole CalibrationResult.
  result jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calibrations_instrument_idx ON calibrations (venue, symbol, created_at);

-- Down Migration
DROP TABLE calibrations;
DROP TABLE data_quality_windows;
DROP TABLE data_quality_gates;
