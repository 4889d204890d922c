-- Up Migration
-- Versions whose status was set before model_status_history existed (0013) are missing from it, so
-- "which version was champion at T" (db/repositories/model-history.ts championAt) could not see them.
-- One row per such version records the status it held when the history began, from 'candidate':
-- - no history row at all and a status other than candidate: that status, at its last update
--   (updated_at: when that status was set);
-- - a first history row that starts from another status than candidate (the version changed again
--   after 0013): that starting status, at the version's registration (created_at: the earliest it
--   can have been set; the built-ins are made champion at registration).
-- Earlier transitions are unknown and not invented. Idempotent (the key), and a fresh database has no
-- versions yet at this point (the built-ins are registered after migrating): nothing to do there.
INSERT INTO model_status_history (model_name, version_id, from_status, to_status, at, by, reason, idempotency_key)
SELECT v.name, v.id, 'candidate', first_row.from_status, v.created_at, 'migration 0015',
       'status held when the history began (set before migration 0013)', 'backfill-0015:' || v.id
FROM model_versions v
JOIN LATERAL (
  SELECT h.from_status FROM model_status_history h WHERE h.version_id = v.id ORDER BY h.at, h.id LIMIT 1
) first_row ON true
WHERE first_row.from_status <> 'candidate'
UNION ALL
SELECT v.name, v.id, 'candidate', v.status, v.updated_at, 'migration 0015',
       'status held when the history began (set before migration 0013)', 'backfill-0015:' || v.id
FROM model_versions v
WHERE v.status <> 'candidate'
  AND NOT EXISTS (SELECT 1 FROM model_status_history h WHERE h.version_id = v.id)
ON CONFLICT (idempotency_key) DO NOTHING;

-- Down Migration
DELETE FROM model_status_history WHERE idempotency_key LIKE 'backfill-0015:%';
