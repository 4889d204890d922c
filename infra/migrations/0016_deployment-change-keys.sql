-- Up Migration
-- Idempotency of a desired-state change made for many slots at once (touchAliasFollowers after a
-- promotion or rollback): a retried activity finds the rows its first attempt wrote under the same key
-- and bumps no slot twice (db/repositories/deployments.ts).
ALTER TABLE deployment_changes ADD COLUMN idempotency_key text
  CONSTRAINT deployment_changes_key_not_empty CHECK (idempotency_key <> '');
CREATE UNIQUE INDEX deployment_changes_deployment_key ON deployment_changes (deployment_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Down Migration
DROP INDEX deployment_changes_deployment_key;
ALTER TABLE deployment_changes DROP COLUMN idempotency_key;
