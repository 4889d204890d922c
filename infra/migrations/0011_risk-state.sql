-- Up Migration
-- The risk layer's persistent state (docs/adr/0011-risk-layer.md).
--
-- kill_switches: one latch per engine id (a stable name given in the engine config, not a run id, so
-- the latch outlives restarts). Killed while resumed_at IS NULL. A new kill overwrites the row (and
-- clears the resume); the history of transitions is in risk_events.
CREATE TABLE kill_switches (
  engine_id text PRIMARY KEY CONSTRAINT kill_switches_engine_id_not_empty CHECK (engine_id <> ''),
  killed_at timestamptz NOT NULL,
  killed_by text NOT NULL CONSTRAINT kill_switches_killed_by_not_empty CHECK (killed_by <> ''),
  reason text NOT NULL CONSTRAINT kill_switches_reason_not_empty CHECK (reason <> ''),
  resumed_at timestamptz,
  resumed_by text,
  resume_reason text,
  CONSTRAINT kill_switches_resume_complete CHECK (
    (resumed_at IS NULL AND resumed_by IS NULL AND resume_reason IS NULL)
    OR (resumed_at IS NOT NULL AND resumed_by <> '' AND resume_reason <> '')
  ),
  CONSTRAINT kill_switches_resume_after_kill CHECK (resumed_at IS NULL OR resumed_at >= killed_at)
);

-- risk_events: every transition of an engine run's risk gate. (run_id, seq) is the idempotency key.
CREATE TABLE risk_events (
  run_id text NOT NULL CONSTRAINT risk_events_run_fkey REFERENCES runs (id) ON DELETE CASCADE,
  seq bigint NOT NULL CONSTRAINT risk_events_seq_non_negative CHECK (seq >= 0),
  engine_id text NOT NULL CONSTRAINT risk_events_engine_id_not_empty CHECK (engine_id <> ''),
  -- Engine time of the transition (market time in replay/paper, wall time live), Unix epoch µs.
  at_us bigint NOT NULL,
  from_state text NOT NULL CONSTRAINT risk_events_from_state CHECK (from_state IN ('active', 'reducing', 'halted')),
  to_state text NOT NULL CONSTRAINT risk_events_to_state CHECK (to_state IN ('active', 'reducing', 'halted')),
  reason text NOT NULL CONSTRAINT risk_events_reason_not_empty CHECK (reason <> ''),
  -- The measured value and the limit it crossed, in the limit's unit; NULL when none.
  value double precision,
  limit_value double precision,
  note text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX risk_events_engine_at ON risk_events (engine_id, at_us);

-- Down Migration
DROP TABLE risk_events;
DROP TABLE kill_switches;
