/**
 * The simulator's admin endpoint (loopback only, not part of Binance's API), as a pure handler:
 *
 *   GET  /admin/faults          the fault status (./faults.ts `FaultStatus`)
 *   POST /admin/faults          JSON body `{ "fault": "depth", "drop": 3 }` … (./fault-spec.ts); → the status
 *   POST /admin/faults/clear    ends every fault; → the status
 *   GET  /admin/ledger?apiKey=KEY&market=spot|usdm   that account's orders and fills (./ledger.ts)
 *
 * Answers are JSON. A request from a non-loopback address → 403; a bad body or query → 400
 * `{ "error", "field" }` naming the field; unknown API key → 404; unknown admin path → 404.
 */
import { z } from 'zod';
import { FaultSpecError, parseFaultJson } from './fault-spec.ts';
import type { FaultInjector } from './faults.ts';
import type { ApiAnswer, ApiRequest } from './http-types.ts';
import type { Ledger } from './ledger.ts';

/** What the admin handler acts on. */
export interface AdminContext {
  readonly faults: FaultInjector;
  /** The ledger of an API key on a market; undefined for an unknown key. */
  readonly ledger: (apiKey: string, market: 'spot' | 'usdm') => Ledger | undefined;
}

/** Path prefix of the admin endpoint. */
export const ADMIN_PREFIX = '/admin/';

const ledgerQuery = z
  .object({
    apiKey: z.string().min(1).max(128),
    market: z.enum(['spot', 'usdm']).default('spot'),
  })
  .strict();

/**
 * Whether a socket's remote address is the loopback interface (IPv4 127/8, IPv6 ::1, IPv4-mapped).
 * @param address as node:net reports it; undefined (socket already gone) is not loopback.
 */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Answers one admin request; see the module doc. `req.clientAddress` is the socket's remote address. */
export function handleAdminRequest(ctx: AdminContext, req: ApiRequest): ApiAnswer {
  if (!isLoopback(req.clientAddress)) {
    return { status: 403, body: { error: 'the admin endpoint answers loopback clients only' } };
  }
  const route = `${req.method} ${req.path}`;
  switch (route) {
    case 'GET /admin/faults':
      return { status: 200, body: ctx.faults.status() };
    case 'POST /admin/faults/clear':
      ctx.faults.clear();
      return { status: 200, body: ctx.faults.status() };
    case 'POST /admin/faults':
      return applyFault(ctx, req.body);
    case 'GET /admin/ledger':
      return ledger(ctx, req.query);
    default:
      return { status: 404, body: { error: `no admin route ${route}` } };
  }
}

function applyFault(ctx: AdminContext, body: string): ApiAnswer {
  try {
    const spec = parseFaultJson(body, 'POST /admin/faults');
    if (spec.fault === 'disconnect') {
      const disconnected = ctx.faults.disconnect(spec);
      return { status: 200, body: { disconnected, status: ctx.faults.status() } };
    }
    return { status: 200, body: ctx.faults.apply(spec) };
  } catch (err) {
    if (err instanceof FaultSpecError) return { status: 400, body: { error: err.message, field: err.field } };
    throw err;
  }
}

function ledger(ctx: AdminContext, query: string): ApiAnswer {
  const r = ledgerQuery.safeParse(Object.fromEntries(new URLSearchParams(query)));
  if (!r.success) {
    const issue = r.error.issues[0];
    const keys = issue !== undefined && 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : [];
    const field = keys.length > 0 ? String(keys[0]) : (issue?.path.map(String).join('.') ?? 'query');
    return {
      status: 400,
      body: { error: `GET /admin/ledger: ${field}: ${issue?.message ?? 'invalid'}`, field },
    };
  }
  const l = ctx.ledger(r.data.apiKey, r.data.market);
  if (l === undefined) return { status: 404, body: { error: 'unknown apiKey', field: 'apiKey' } };
  return { status: 200, body: l };
}
