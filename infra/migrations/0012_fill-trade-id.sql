-- Up Migration
-- The venue's trade id on fills (docs/adr/0015-reconciliation.md, "Back-fill"). NULL for fills whose
-- trade id was not kept (replay/paper, and live fills written before this column); a back-filled fill
-- always has it. At most one row per (run, trade): re-running the back-fill inserts nothing twice.
ALTER TABLE fills ADD COLUMN trade_id text CONSTRAINT fills_trade_id_not_empty CHECK (trade_id <> '');
CREATE UNIQUE INDEX fills_run_trade_id_key ON fills (run_id, trade_id) WHERE trade_id IS NOT NULL;

-- Down Migration
DROP INDEX fills_run_trade_id_key;
ALTER TABLE fills DROP COLUMN trade_id;
