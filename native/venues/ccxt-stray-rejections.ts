/**
 * ccxt 4.5 leaves one promise without a handler: `Exchange.watch` chains `connected.then(…)` with no
 * `catch`, so a WebSocket that fails while connecting (the client closed during the handshake, a
 * refused connection) rejects a promise nobody holds, besides rejecting the `watch*` call itself, which
 * the feed and the venue handle. Node's default turns that stray rejection into a crash of the engine.
 * The guard below recognises exactly those (ccxt `NetworkError`s) and logs them; any other unhandled
 * rejection is a bug of ours and still ends the process.
 */
import { NetworkError } from 'ccxt';
import { errorFields, type Log } from '../../infra/log.ts';
import type { Secret } from '../secret.ts';
import { mapCcxtError } from './ccxt-errors.ts';

/**
 * The `unhandledRejection` listener: logs a ccxt network error (redacted) and returns; rethrows
 * anything else, which makes it an uncaught exception (the process ends, as without the listener).
 */
export function strayRejectionHandler(log: Log, secrets: readonly Secret[]): (reason: unknown) => void {
  return (reason) => {
    if (reason instanceof NetworkError) {
      log.warn(
        { err: errorFields(mapCcxtError(reason, { op: 'websocket' }, secrets)) },
        'ccxt websocket failed with no caller waiting (ignored; the stream is re-watched)',
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
