-- Up Migration
-- Turns `ohlcv` and `trades` into TimescaleDB hypertables IF the extension is installed on the server
-- and preloaded (shared_preload_libraries); otherwise does nothing and the tables stay plain (Debian's
-- PostgreSQL and PGlite have no TimescaleDB). Re-running it on a server that gains TimescaleDB later
-- needs a new migration: node-pg-migrate records this one as applied either way.
--
-- A hypertable's unique indexes must contain its time column. `ohlcv`'s key already does; `trades` is
-- re-keyed to (venue, symbol, trade_id, trade_time_ms). Deduplication keeps working because a trade's
-- time never changes between two deliveries of the same print. Chunk width: 1 day in ms.
DO $timescale$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND current_setting('shared_preload_libraries', true) LIKE '%timescaledb%' THEN
    EXECUTE 'CREATE EXTENSION IF NOT EXISTS timescaledb';
    EXECUTE $sql$SELECT create_hypertable('ohlcv', 'open_time_ms',
      chunk_time_interval => 86400000::bigint, if_not_exists => true, migrate_data => true)$sql$;
    EXECUTE 'ALTER TABLE trades DROP CONSTRAINT trades_pkey';
    EXECUTE 'ALTER TABLE trades ADD CONSTRAINT trades_pkey PRIMARY KEY (venue, symbol, trade_id, trade_time_ms)';
    EXECUTE $sql$SELECT create_hypertable('trades', 'trade_time_ms',
      chunk_time_interval => 86400000::bigint, if_not_exists => true, migrate_data => true)$sql$;
    RAISE NOTICE 'mmflow: ohlcv and trades are TimescaleDB hypertables';
  ELSE
    RAISE NOTICE 'mmflow: timescaledb not available, ohlcv and trades stay plain tables';
  END IF;
END
$timescale$;

-- Down Migration
-- Hypertables cannot be turned back into plain tables in place; nothing to undo on plain PostgreSQL.
SELECT 1;
