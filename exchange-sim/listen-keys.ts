/**
 * Listen keys of the user-data stream (Spot API `POST/PUT/DELETE /api/v3/userDataStream`): one key per
 * API key (Binance hands out the same key again while it is valid), mapping to the account.
 */
import { randomBytes } from 'node:crypto';
import { apiErrors } from './api-error.ts';

export class ListenKeys {
  private readonly byApiKey = new Map<string, string>();
  private readonly byListenKey = new Map<string, string>();

  /** The listen key of `apiKey`, created on first use (60 alphanumerics, like Binance's). */
  obtain(apiKey: string): string {
    let key = this.byApiKey.get(apiKey);
    if (key === undefined) {
      key = randomBytes(45)
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, 'x')
        .slice(0, 60);
      this.byApiKey.set(apiKey, key);
      this.byListenKey.set(key, apiKey);
    }
    return key;
  }

  /** Keep-alive: checks the key belongs to `apiKey`. @throws ApiError -1125 otherwise. */
  keepAlive(apiKey: string, listenKey: string | null): void {
    if (listenKey === null || this.byListenKey.get(listenKey) !== apiKey) throw apiErrors.invalidListenKey();
  }

  /** Closes the key. @throws ApiError -1125 if unknown. */
  close(apiKey: string, listenKey: string | null): void {
    this.keepAlive(apiKey, listenKey);
    if (listenKey !== null) this.byListenKey.delete(listenKey);
    this.byApiKey.delete(apiKey);
  }

  /** The API key a listen key belongs to; undefined if unknown. */
  apiKeyOf(listenKey: string): string | undefined {
    return this.byListenKey.get(listenKey);
  }
}
