/**
 * A credential that cannot leak by accident: `String(secret)`, `JSON.stringify`, template literals and
 * `util.inspect` (what loggers and `console.log` use) all print `[redacted]`. Only `reveal()` returns
 * the value, and only the exchange adapter calls it.
 */
export class Secret {
  readonly #value: string;

  /** @param value the raw credential; must be non-empty (checked by the config parser). */
  constructor(value: string) {
    this.#value = value;
  }

  /** The raw credential. Call only where it is handed to the exchange client. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}

/**
 * Binance user-data-stream listen keys (60 alphanumerics) as ccxt echoes them: `listenKey=…` in a query,
 * `"listenKey":"…"` in a body, or the last segment of a `/ws/…` stream URL. A listen key lets anyone
 * read the account's orders and balances while it lives.
 */
const LISTEN_KEY_PATTERNS: readonly RegExp[] = [
  /(listenKey["']?\s*[:=]\s*["']?)[A-Za-z0-9]+/gi,
  /(\/ws\/)[A-Za-z0-9]{32,}/g,
  /(\/stream\?streams=)[A-Za-z0-9]{32,}/g,
];

/**
 * Removes every occurrence of the given secrets, of any `signature=` query value and of any listen key
 * (which ccxt may echo in a request URL or body) from `text`, so an error message can be logged or
 * shown safely. The one redaction point of exchange errors: `mapCcxtError` calls it.
 * @param text any message, possibly quoting a request.
 * @param secrets credentials to scrub; empty strings are ignored.
 */
export function redactSecrets(text: string, secrets: readonly Secret[]): string {
  let out = text.replace(/(signature=)[^&\s"']+/gi, '$1[redacted]');
  for (const pattern of LISTEN_KEY_PATTERNS) out = out.replace(pattern, '$1[redacted]');
  for (const secret of secrets) {
    const raw = secret.reveal();
    if (raw.length > 0) out = out.split(raw).join('[redacted]');
  }
  return out;
}
