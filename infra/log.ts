/**
 * The structured logger shape used by infra/ and db/: a constant message plus a fields object
 * (STYLE.md §17). A pino `Logger` satisfies it; `silentLog` discards everything.
 */

/** Minimal structured logger: `log.info({ port }, 'postgres started')`. */
export interface Log {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

const ignore = (): void => undefined;

/** A logger that drops every record (tests, library defaults). */
export const silentLog: Log = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * Plain, JSON-serialisable fields describing a thrown value, for the `err` field of a log record.
 * @returns `{ name, message, code? }` for an Error, `{ message: String(value) }` otherwise.
 */
export function errorFields(err: unknown): { name?: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code: unknown = Reflect.get(err, 'code');
    return typeof code === 'string'
      ? { name: err.name, message: err.message, code }
      : { name: err.name, message: err.message };
  }
  return { message: String(err) };
}
