/**
 * ccxt 4.5 leaves promises without a handler: `Exchange.watch` chains `connected.then(…)` with no
 * `catch`, so a WebSocket that fails while connecting (the client closed during the handshake, a
 * refused connection: NetworkError) and a refused WebSocket-API user-data subscription (-2015:
 * AuthenticationError) each reject a promise nobody holds, besides rejecting the `watch*` call itself,
 * which the feed and the venue handle. Node's default turns that stray rejection into a crash of the
 * engine. The guard below recognises ccxt's own errors (`BaseError`) and logs them; any other unhandled
 * rejection is a bug of ours and still ends the process.
 */
import { BaseError } from 'ccxt';
import { errorFields, type Log } from '../../infra/log.ts';
import type { Secret } from '../secret.ts';
import { mapCcxtError } from './ccxt-errors.ts';

/**
 * The `unhandledRejection` listener: logs a ccxt error (redacted) and returns; rethrows
 * anything else, which makes it an uncaught exception (the process ends, as without the listener).
 */
export function strayRejectionHandler(log: Log, secrets: readonly Secret[]): (reason: unknown) => void {
  return (reason) => {
    if (reason instanceof BaseError) {
      log.warn(
        { err: errorFields(mapCcxtError(reason, { op: 'websocket' }, secrets)) },
        'ccxt rejected a promise nobody holds (ignored; the caller got the same error)',
      );
      return;
    }
    throw reason;
  };
}

/**
 * Installs {@link strayRejectionHandler} on the process. @returns the function that removes it.
 */
export function guardCcxtStrayRejections(log: Log, secrets: readonly Secret[]): () => void {
  const handler = strayRejectionHandler(log, secrets);
  process.on('unhandledRejection', handler);
  return () => process.off('unhandledRejection', handler);
}
