/**
 * Routes the Temporal SDK's own logs (worker state changes, activity failures) into our structured
 * logger at `warn` and above, instead of the SDK's default console output.
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.ts';

/** Installs the Temporal runtime once per process; later calls are no-ops. */
export function installTemporalRuntime(log: Logger): void {
  if (Runtime._instance !== undefined) return;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  const sink = (level: LogLevel, message: string, meta?: Record<string, unknown>): void => {
    if (level === 'ERROR') sdkLog.error(meta ?? {}, message);
    else if (level === 'WARN') sdkLog.warn(meta ?? {}, message);
    else sdkLog.debug(meta ?? {}, message);
  };
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => sink(level, message, meta)),
  });
}
