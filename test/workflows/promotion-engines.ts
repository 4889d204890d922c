/**
 * The engine side of the promotion workflow tests, played by the test: a loop that follows every slot
 * of one model name like `mmflow quote --slot ID` would — it applies a new desired revision (aliases
 * resolved from the registry) with markApplied, and writes one cumulative deployment_metrics sample per
 * slot every `sampleEveryMs` whose net PnL moves at `pnlPerSecAtFull[version] × applied fraction`
 * quote per second (halted or fraction 0: flat). A good challenger is a positive rate, a bad one a
 * negative rate whose drawdown breaches the guardrails. A test kills one engine by adding its slot to
 * `dead` (no apply, no sample) or silences it with `muted` (applies, writes no sample).
 */
import type { Pool } from 'pg';
import { insertSamples, type SlotSample } from '../../db/repositories/deployment-metrics.ts';
import { listSlots, markApplied, type Slot } from '../../db/repositories/deployments.ts';

/** Per-slot state of the fake engine. */
interface Follower {
  seq: number;
  pnl: number;
  quotes: number;
  lastAtMs: number;
  version: string;
  fraction: number;
  active: boolean;
  revision: number;
}

export interface FakeEngines {
  /** Applies seen, per slot: [revision, version, fraction]. */
  readonly applies: Map<string, [number, string, number][]>;
  /** Slots whose engine is dead: nothing applied, no sample (mutable). */
  readonly dead: Set<string>;
  /** Slots whose engine applies but writes no sample (mutable). */
  readonly muted: Set<string>;
  /** Stops the loop and waits for its last pass. */
  stop(): Promise<void>;
}

async function resolve(db: Pool, slot: Slot): Promise<string | undefined> {
  const ref = slot.desired.model;
  if (ref !== 'champion' && ref !== 'challenger') return ref;
  const r = await db.query<{ id: string }>(`SELECT id FROM model_versions WHERE name = $1 AND status = $2`, [
    slot.modelName,
    ref,
  ]);
  return r.rows[0]?.id;
}

/**
 * Starts the engines of every slot of `modelName`.
 * @param pnlPerSecAtFull net PnL rate per version at full capital, quote per second (absent: 0)
 */
export function startFakeEngines(
  db: Pool,
  modelName: string,
  pnlPerSecAtFull: Readonly<Record<string, number>>,
  sampleEveryMs = 100,
): FakeEngines {
  const followers = new Map<string, Follower>();
  const applies = new Map<string, [number, string, number][]>();
  const dead = new Set<string>();
  const muted = new Set<string>();
  const engineRunId = `fake-${modelName}`;
  let stopped = false;
  const pass = async (): Promise<void> => {
    const now = Date.now();
    const slots = (await listSlots(db)).filter((s) => s.modelName === modelName);
    const samples: SlotSample[] = [];
    for (const slot of slots) {
      if (dead.has(slot.id)) continue;
      let f = followers.get(slot.id);
      if (f !== undefined) {
        const rate = f.active ? (pnlPerSecAtFull[f.version] ?? 0) * f.fraction : 0;
        f.pnl += (rate * (now - f.lastAtMs)) / 1000;
        f.quotes += f.active && f.fraction > 0 ? 1 : 0;
        f.lastAtMs = now;
      }
      if (f === undefined || slot.desired.revision > f.revision) {
        const version = await resolve(db, slot);
        if (version !== undefined) {
          const { capitalFraction, riskState, revision } = slot.desired;
          f ??= {
            seq: 0,
            pnl: 0,
            quotes: 0,
            lastAtMs: now,
            version,
            fraction: 0,
            active: false,
            revision: 0,
          };
          Object.assign(f, { version, fraction: capitalFraction, active: riskState === 'active', revision });
          followers.set(slot.id, f);
          await markApplied(db, slot.id, {
            revision,
            version,
            capitalFraction,
            riskState,
            engineRunId,
            atMs: now,
          });
          const seen = applies.get(slot.id) ?? [];
          seen.push([revision, version, capitalFraction]);
          applies.set(slot.id, seen);
        }
      }
      if (f === undefined || muted.has(slot.id)) continue;
      samples.push({
        deploymentId: slot.id,
        engineRunId,
        seq: f.seq++,
        atMs: now,
        appliedRevision: f.revision,
        appliedVersion: f.version,
        capitalFraction: f.fraction,
        netPnlQuote: f.pnl,
        feesQuote: 0,
        markout1sQuote: 0,
        markoutFills: 0,
        inventoryLots: 0,
        fills: 0,
        filledLots: 0,
        quotesPlaced: f.quotes,
        rejects: 0,
        workingOrders: f.active && f.fraction > 0 ? 2 : 0,
      });
    }
    if (samples.length > 0) await insertSamples(db, samples);
  };
  const loop = (async () => {
    while (!stopped) {
      await pass();
      await new Promise((r) => setTimeout(r, sampleEveryMs));
    }
  })();
  return {
    applies,
    dead,
    muted,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
