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
 * Removes every occurrence of the given secrets (and any `signature=` query value, which ccxt may echo
 * in a request URL) from `text`, so an error message can be logged or shown safely.
 * @param text any message, possibly quoting a request.
 * @param secrets credentials to scrub; empty strings are ignored.
 */
export function redactSecrets(text: string, secrets: readonly Secret[]): string {
  let out = text.replace(/(signature=)[^&\s"']+/gi, '$1[redacted]');
  for (const secret of secrets) {
    const raw = secret.reveal();
    if (raw.length > 0) out = out.split(raw).join('[redacted]');
  }
  return out;
}
