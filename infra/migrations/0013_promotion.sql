-- Up Migration
-- The promotion lifecycle (docs/adr/0016-promotion-lifecycle.md): registry aliases and their history,
-- the evidence a promotion rests on, and engine slots whose desired state workflows change.

-- Aliases: `champion` and `challenger` are the statuses of the same names, at most one each per model
-- name (the champion's exclusion constraint exists since 0002; the challenger's is added here).
ALTER TABLE model_versions ADD CONSTRAINT model_versions_one_challenger
  EXCLUDE USING btree (name WITH =) WHERE (status = 'challenger') DEFERRABLE INITIALLY DEFERRED;

-- Every status (alias) change of a model version, in order. "Which version was champion at T" is the
-- last row with at <= T whose to_status or from_status is 'champion' (see db/repositories/model-history.ts).
-- (idempotency_key) makes a retried transition write its row once.
CREATE TABLE model_status_history (
  id bigserial PRIMARY KEY,
  model_name text NOT NULL,
  version_id text NOT NULL CONSTRAINT model_status_history_version_fkey REFERENCES model_versions (id),
  from_status text NOT NULL
    CONSTRAINT model_status_history_from CHECK (from_status IN ('candidate', 'champion', 'challenger', 'retired')),
  to_status text NOT NULL
    CONSTRAINT model_status_history_to CHECK (to_status IN ('candidate', 'champion', 'challenger', 'retired')),
  at timestamptz NOT NULL DEFAULT now(),
  by text NOT NULL CONSTRAINT model_status_history_by_not_empty CHECK (by <> ''),
  reason text NOT NULL CONSTRAINT model_status_history_reason_not_empty CHECK (reason <> ''),
  workflow_id text,
  run_id text,
  idempotency_key text CONSTRAINT model_status_history_key_unique UNIQUE,
  CONSTRAINT model_status_history_changes CHECK (from_status <> to_status)
);
CREATE INDEX model_status_history_name_at ON model_status_history (model_name, at, id);
CREATE INDEX model_status_history_version ON model_status_history (version_id, id);

-- Evidence of a promotion linked to the version it is about: A/B statistics, canary step metrics,
-- gate results, decisions and who made them. (idempotency_key) makes a retried write land once.
CREATE TABLE model_evidence (
  id bigserial PRIMARY KEY,
  version_id text NOT NULL CONSTRAINT model_evidence_version_fkey REFERENCES model_versions (id),
  kind text NOT NULL
    CONSTRAINT model_evidence_kind CHECK (kind IN ('holdout-gate', 'ab-test', 'canary-step', 'decision', 'rollback', 'promotion')),
  payload jsonb NOT NULL CONSTRAINT model_evidence_payload_object CHECK (jsonb_typeof(payload) = 'object'),
  at timestamptz NOT NULL DEFAULT now(),
  by text NOT NULL CONSTRAINT model_evidence_by_not_empty CHECK (by <> ''),
  workflow_id text,
  run_id text,
  idempotency_key text CONSTRAINT model_evidence_key_unique UNIQUE
);
CREATE INDEX model_evidence_version ON model_evidence (version_id, id);

-- Engine slots (deployments): where an engine quotes, and what it should quote with. Workflows change
-- the desired state (each change bumps desired_revision); the engine applies it at a safe point and
-- acknowledges the exact revision and version it applied, with a heartbeat.
CREATE TABLE deployments (
  id text PRIMARY KEY CONSTRAINT deployments_id_format CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]*$'),
  venue text NOT NULL CONSTRAINT deployments_venue CHECK (venue IN ('binance-spot', 'binance-usdm')),
  account text NOT NULL CONSTRAINT deployments_account_not_empty CHECK (account <> ''),
  symbol text NOT NULL CONSTRAINT deployments_symbol_format CHECK (symbol ~ '^[A-Z0-9]{2,20}$'),
  mode text NOT NULL CONSTRAINT deployments_mode CHECK (mode IN ('paper', 'live')),
  -- The model name whose aliases `desired_model` may name.
  model_name text NOT NULL,
  -- 'champion', 'challenger' (aliases of model_name, resolved by the engine when it applies) or a
  -- version id `<name>@<n>`.
  desired_model text NOT NULL CONSTRAINT deployments_desired_model_not_empty CHECK (desired_model <> ''),
  -- Share of the slot's capital in use, 0–1 (scales quote size and the risk limits; 0 = no quotes).
  desired_capital_fraction double precision NOT NULL
    CONSTRAINT deployments_desired_fraction CHECK (desired_capital_fraction >= 0 AND desired_capital_fraction <= 1),
  desired_risk_state text NOT NULL DEFAULT 'active'
    CONSTRAINT deployments_desired_risk CHECK (desired_risk_state IN ('active', 'halted')),
  desired_revision bigint NOT NULL DEFAULT 1 CONSTRAINT deployments_desired_revision_positive CHECK (desired_revision > 0),
  desired_by text NOT NULL CONSTRAINT deployments_desired_by_not_empty CHECK (desired_by <> ''),
  desired_reason text NOT NULL CONSTRAINT deployments_desired_reason_not_empty CHECK (desired_reason <> ''),
  desired_at timestamptz NOT NULL DEFAULT now(),
  -- What the engine applied (NULL before its first apply).
  applied_revision bigint,
  applied_version text,
  applied_capital_fraction double precision,
  applied_risk_state text CONSTRAINT deployments_applied_risk CHECK (applied_risk_state IN ('active', 'halted')),
  applied_at timestamptz,
  -- The engine run that follows the slot and its last heartbeat.
  engine_run_id text,
  heartbeat_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Each change of a slot's desired state is announced on channel `mmflow_deployments` with the slot id
-- as payload; engines LISTEN and poll as a fallback.
CREATE FUNCTION deployments_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.desired_revision IS DISTINCT FROM OLD.desired_revision THEN
    PERFORM pg_notify('mmflow_deployments', NEW.id);
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER deployments_notify AFTER INSERT OR UPDATE ON deployments
  FOR EACH ROW EXECUTE FUNCTION deployments_notify();

-- Every desired-state change of a slot (the slot's audit trail next to the workflow history).
CREATE TABLE deployment_changes (
  deployment_id text NOT NULL CONSTRAINT deployment_changes_deployment_fkey REFERENCES deployments (id) ON DELETE CASCADE,
  revision bigint NOT NULL,
  desired_model text NOT NULL,
  desired_capital_fraction double precision NOT NULL,
  desired_risk_state text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  by text NOT NULL,
  reason text NOT NULL,
  workflow_id text,
  run_id text,
  PRIMARY KEY (deployment_id, revision)
);

-- Cumulative metrics an engine following a slot writes every second: differences between two samples
-- are an interval's figures. (deployment_id, engine_run_id, seq) is the idempotency key.
CREATE TABLE deployment_metrics (
  deployment_id text NOT NULL CONSTRAINT deployment_metrics_deployment_fkey REFERENCES deployments (id) ON DELETE CASCADE,
  engine_run_id text NOT NULL,
  seq bigint NOT NULL CONSTRAINT deployment_metrics_seq_non_negative CHECK (seq >= 0),
  -- Wall time of the sample (the engine process's clock, as Temporal's timers), Unix epoch ms.
  at_ms bigint NOT NULL,
  applied_revision bigint NOT NULL,
  applied_version text NOT NULL,
  capital_fraction double precision NOT NULL,
  -- Cumulative since the engine run started, quote currency (net = after fees, marked to mid).
  net_pnl_quote double precision NOT NULL,
  fees_quote double precision NOT NULL,
  -- Cumulative 1-s mark-out of our fills, quote currency, and the fills it covers.
  markout_1s_quote double precision NOT NULL,
  markout_fills bigint NOT NULL,
  inventory_lots bigint NOT NULL,
  fills bigint NOT NULL,
  filled_lots bigint NOT NULL,
  quotes_placed bigint NOT NULL,
  rejects bigint NOT NULL,
  -- Orders of this engine working on the venue at the sample.
  working_orders integer NOT NULL,
  PRIMARY KEY (deployment_id, engine_run_id, seq)
);
CREATE INDEX deployment_metrics_deployment_at ON deployment_metrics (deployment_id, at_ms);

-- Down Migration
DROP TABLE deployment_metrics;
DROP TABLE deployment_changes;
DROP TRIGGER deployments_notify ON deployments;
DROP FUNCTION deployments_notify();
DROP TABLE deployments;
DROP TABLE model_evidence;
DROP TABLE model_status_history;
ALTER TABLE model_versions DROP CONSTRAINT model_versions_one_challenger;
