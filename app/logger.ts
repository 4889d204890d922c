/**
 * Structured logging (pino): a constant message plus a fields object, written to stderr so that
 * stdout stays free for command results (the last stdout line of a command is its JSON result).
 *
 * Levels (`MMFLOW_LOG_LEVEL`): `error` failures; `warn` degraded but running (rejected orders,
 * resubscribes); `info` lifecycle (services, migrations, runs started/ended); `debug` the engine's
 * exchange edge (orders sent, acks, cancels, book resyncs), never the per-event hot path.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger of a long-running process. Level from `MMFLOW_LOG_LEVEL` (default `info`). */
export function createLogger(name: string, level = process.env['MMFLOW_LOG_LEVEL'] ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['*.apiKey', '*.apiSecret', '*.password', 'databaseUrl', '*.databaseUrl'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}

/**
 * The logger of a one-shot command that prints a result (`backtest`, `migrate`, `study show`, …):
 * level `MMFLOW_LOG_LEVEL`, default `warn`, so that only the result and real problems reach the
 * terminal.
 */
export function createCliLogger(name: string): Logger {
  return createLogger(name, process.env['MMFLOW_LOG_LEVEL'] ?? 'warn');
}
