/**
 * Tells the engine when to re-read its slot: at once on PostgreSQL `NOTIFY mmflow_deployments` with the
 * slot id as payload (infra/migrations/0013_promotion.sql's trigger), and every `pollMs` as a fallback
 * (a lost connection, a missed notification, or LISTEN disabled). The listener has its own `pg.Client`
 * (a pooled connection cannot hold a LISTEN); on an error or end of that connection it reconnects with
 * a doubling back-off (1 s … 30 s) and signals once reconnected, to catch up on what it missed.
 *
 * The follower only signals; the reader (./slot-runner.ts) coalesces signals and reads the row.
 */
import { Client } from 'pg';
import { DEPLOYMENTS_CHANNEL } from '../../db/repositories/deployments.ts';
import { errorFields, type Log } from '../../infra/log.ts';

/** The part of `pg.Client` the follower uses (injectable for tests). */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(
    event: 'notification',
    listener: (msg: { channel: string; payload?: string | undefined }) => void,
  ): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** What {@link SlotFollower} needs. */
export interface SlotFollowerOptions {
  readonly databaseUrl: string;
  readonly slotId: string;
  /** Polling fallback period, wall ms. */
  readonly pollMs: number;
  /** False: no LISTEN, polling only. */
  readonly listen: boolean;
  readonly log: Log;
  /** Called on a notification for this slot, on each poll and after each (re)connection. Must not throw. */
  readonly onSignal: (source: 'notify' | 'poll' | 'connect') => void;
  /** Builds the LISTEN connection (default: `new Client(databaseUrl)`). */
  readonly createClient?: (databaseUrl: string) => ListenClient;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

/** Counters of the follower (for tests and logs). */
export interface SlotFollowerCounters {
  notifications: number;
  polls: number;
  connects: number;
  connectFailures: number;
}

/** LISTEN/NOTIFY plus polling; see the module doc. */
export class SlotFollower {
  readonly counters: SlotFollowerCounters = { notifications: 0, polls: 0, connects: 0, connectFailures: 0 };
  private client: ListenClient | undefined;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private stopped = false;

  constructor(private readonly o: SlotFollowerOptions) {}

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Starts polling and (unless disabled) listening. Never throws: a failed first connection is logged
   * and retried with back-off while polling goes on.
   */
  async start(): Promise<void> {
    this.pollTimer = setInterval(() => {
      this.counters.polls++;
      this.o.onSignal('poll');
    }, this.o.pollMs);
    this.pollTimer.unref();
    if (this.o.listen) await this.connect();
  }

  /** Stops polling and closes the LISTEN connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { o } = this;
    const client = (o.createClient ?? ((url: string) => new Client({ connectionString: url })))(
      o.databaseUrl,
    );
    let failed = false;
    const lost = (err: Error | undefined): void => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      o.log.warn(
        {
          slotId: o.slotId,
          err: err === undefined ? undefined : errorFields(err),
          retryInMs: this.backoffMs,
        },
        'slot listener connection lost; polling until it reconnects',
      );
      this.scheduleReconnect();
    };
    client.on('error', (err: Error) => lost(err));
    client.on('end', () => lost(undefined));
    client.on('notification', (msg: { channel: string; payload?: string | undefined }) => {
      if (msg.channel !== DEPLOYMENTS_CHANNEL || msg.payload !== o.slotId) return;
      this.counters.notifications++;
      o.onSignal('notify');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${DEPLOYMENTS_CHANNEL}`);
    } catch (err) {
      this.counters.connectFailures++;
      lost(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.stopped || failed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.counters.connects++;
    o.onSignal('connect'); // a change may have come while we were not listening
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      if (!this.stopped) void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
