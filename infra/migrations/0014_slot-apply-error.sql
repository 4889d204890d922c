-- Up Migration
-- A desired state the engine could not apply (unknown version, params that do not parse, an ONNX model
-- that fails to load): the engine keeps quoting with what it applied before and records why here, so
-- the activity waiting for the revision fails at once with the reason instead of timing out
-- (native/slot/slot-apply-error.ts). A later successful apply leaves it in place: it is about
-- `applied_error_revision` only, which is then below `applied_revision`.
ALTER TABLE deployments
  ADD COLUMN applied_error text,
  ADD COLUMN applied_error_revision bigint,
  ADD COLUMN applied_error_at timestamptz;

-- Down Migration
ALTER TABLE deployments
  DROP COLUMN applied_error_at,
  DROP COLUMN applied_error_revision,
  DROP COLUMN applied_error;
