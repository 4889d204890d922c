/**
 * Structured logging (pino): a constant message plus a fields object, written to stderr so that
 * stdout stays free for command results (the last stdout line of a command is its JSON result).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger. Level from `MMFLOW_LOG_LEVEL` (default `info`). */
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
