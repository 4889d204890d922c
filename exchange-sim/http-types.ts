/** The request and answer shapes between the HTTP glue (server.ts) and the pure handlers. */

/** The parts of an HTTP request the handlers read. */
export interface ApiRequest {
  readonly method: string;
  /** Path without the query, e.g. `/api/v3/depth`. */
  readonly path: string;
  /** Raw query string without `?` ('' if none). */
  readonly query: string;
  /** Raw body ('' if none; `application/x-www-form-urlencoded` for Binance). */
  readonly body: string;
  /** `X-MBX-APIKEY` header, undefined if absent. */
  readonly apiKeyHeader: string | undefined;
  /** The client's address (rate-limit bucket of requests without an API key); undefined if unknown. */
  readonly clientAddress?: string;
}

/** An answer: status, JSON body (undefined = empty body) and extra headers. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  /** A non-JSON body (`text/html`, a gateway's error page), sent when `body` is undefined. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Query and body parameters of a request, merged (Binance reads both). */
export function paramsOf(req: ApiRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.body !== '') for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
  return params;
}

/** Binance's answer to an unknown path: HTTP 404 with an empty body. */
export const NOT_FOUND: ApiAnswer = { status: 404, body: undefined };

/** An answer, with `headers` only when there are some. */
export function answerOf(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
): ApiAnswer {
  return Object.keys(headers).length === 0 ? { status, body } : { status, body, headers };
}
