/**
 * Wire schemas (zod) of the raw recorded Binance payload lines in /work/shared/data (see its README):
 * the exchange payload with its original field names plus the recorder's `recv_ns` (Unix ns, a JSON
 * number above 2^53, so only its presence and type are checked here: `parse.ts` reads its digits
 * exactly from the raw text) and `stream` (absent on snapshots).
 *
 * Field meanings follow Binance's WebSocket stream docs (Spot "Diff. Depth Stream", "Trade Streams",
 * "Individual Symbol Book Ticker Streams"; USDⓈ-M "Diff. Book Depth Streams", "Trade Streams",
 * "Individual Symbol Book Ticker Streams") and the REST `GET /api/v3/depth` / `GET /fapi/v1/depth`.
 * Prices and quantities are exact decimal strings. Unknown extra fields are ignored (stripped).
 */

import { z } from 'zod';

/** Safe non-negative integer (ids, ms timestamps). */
const id = z.number().int().nonnegative();
/** Recorder receive time, ns: > 2^53, so a plain number here (exact digits are read from the text). */
const recvNs = z.number().nonnegative();
/** `[price, qty]` as exact decimal strings. */
export const levelWire = z.tuple([z.string(), z.string()]);

/** REST depth snapshot line (spot: no E/T; USDⓈ-M: with E/T in ms). */
export const snapshotWire = z.object({
  recv_ns: recvNs,
  lastUpdateId: id,
  E: id.optional(),
  T: id.optional(),
  bids: z.array(levelWire),
  asks: z.array(levelWire),
});
export type SnapshotWire = z.infer<typeof snapshotWire>;

/** Spot `depthUpdate` (`@depth@100ms`): U first update id, u final update id, E event ms. */
export const spotDiffWire = z.object({
  recv_ns: recvNs,
  e: z.literal('depthUpdate'),
  E: id,
  s: z.string(),
  U: id,
  u: id,
  b: z.array(levelWire),
  a: z.array(levelWire),
});
export type SpotDiffWire = z.infer<typeof spotDiffWire>;

/** USDⓈ-M `depthUpdate` (`@depth@0ms`): adds T (transaction ms) and pu (previous event's u). */
export const usdmDiffWire = spotDiffWire.extend({ T: id, pu: id });
export type UsdmDiffWire = z.infer<typeof usdmDiffWire>;

/** Spot `trade`: t trade id, p price, q qty, T trade ms, m buyer-is-maker. (2023 files add b/a ids.) */
export const spotTradeWire = z.object({
  recv_ns: recvNs,
  e: z.literal('trade'),
  E: id,
  s: z.string(),
  t: id,
  p: z.string(),
  q: z.string(),
  T: id,
  m: z.boolean(),
});
export type SpotTradeWire = z.infer<typeof spotTradeWire>;

/** USDⓈ-M `trade`: adds X, the order type (`MARKET`, `INSURANCE_FUND`, `ADL`, ...). */
export const usdmTradeWire = spotTradeWire.extend({ X: z.string() });
export type UsdmTradeWire = z.infer<typeof usdmTradeWire>;

/** Spot `bookTicker`: u book update id, b/B best bid price/qty, a/A best ask price/qty; no event time. */
export const spotBookTickerWire = z.object({
  recv_ns: recvNs,
  u: id,
  s: z.string(),
  b: z.string(),
  B: z.string(),
  a: z.string(),
  A: z.string(),
});
export type SpotBookTickerWire = z.infer<typeof spotBookTickerWire>;

/** USDⓈ-M `bookTicker`: adds e, E (event ms) and T (transaction ms). */
export const usdmBookTickerWire = spotBookTickerWire.extend({ e: z.literal('bookTicker'), E: id, T: id });
export type UsdmBookTickerWire = z.infer<typeof usdmBookTickerWire>;
