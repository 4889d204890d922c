/**
 * `mmflow exchange-sim --session PREFIX… [--data DIR] [--speed N] [--loop] [--port N] [--account KEY:SECRET:BTC=1,USDT=100000]… [--accounts-file FILE] [--fault '<json>']…`:
 * serves the recorded sessions as a Binance spot / USDⓈ-M venue (exchange-sim/, docs/adr/0012) until Ctrl-C.
 * Prints one JSON line on stdout at start: the URLs (with `admin`, the loopback fault / ledger
 * endpoint), the ccxt `urls` override and the sessions. Each `--fault` (exchange-sim/fault-spec.ts,
 * e.g. `{"fault":"depth","drop":3}`) is applied at start, in order.
 */
import { resolve } from 'node:path';
import { dataDir } from '../app/paths.ts';
import { loadAccountsFile, parseAccountFlag, type AccountSpec } from '../exchange-sim/accounts-config.ts';
import { parseFaultJson } from '../exchange-sim/fault-spec.ts';
import { startExchangeSimulator } from '../exchange-sim/simulator.ts';
import { ccxtBinanceConfig } from '../exchange-sim/urls.ts';

export interface ExchangeSimCommandOptions {
  readonly session: readonly string[];
  readonly data?: string;
  readonly speed: number;
  readonly loop?: boolean;
  readonly port: number;
  readonly host: string;
  readonly account?: readonly string[];
  readonly accountsFile?: string;
  readonly weightPerMinute: number;
  readonly ordersPer10s: number;
  /** Fault requests as JSON texts (repeatable `--fault`). */
  readonly fault?: readonly string[];
}

/** @returns the process exit code once stopped (0), or 1 with a one-line error on stderr. */
export async function runExchangeSimCommand(opts: ExchangeSimCommandOptions): Promise<number> {
  let sim;
  try {
    const accounts: AccountSpec[] = [
      ...(opts.accountsFile === undefined ? [] : loadAccountsFile(resolve(opts.accountsFile))),
      ...(opts.account ?? []).map(parseAccountFlag),
    ];
    const faults = (opts.fault ?? []).map((text, i) => parseFaultJson(text, `--fault #${i + 1}`));
    sim = await startExchangeSimulator({
      dataDir: opts.data === undefined ? dataDir() : resolve(opts.data),
      sessions: opts.session,
      speed: opts.speed,
      loop: opts.loop === true,
      port: opts.port,
      host: opts.host,
      accounts,
      limits: { weightPerMinute: opts.weightPerMinute, ordersPer10s: opts.ordersPer10s },
      faults,
    });
    const { urls: ccxtUrls } = ccxtBinanceConfig(sim.urls);
    process.stdout.write(
      `${JSON.stringify({
        ...sim.urls,
        admin: `${sim.urls.http}/admin`,
        ccxt: {
          urls: ccxtUrls,
          binanceOptions: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
          binanceusdmOptions: {
            fetchMarkets: { types: ['linear'] },
            fetchCurrencies: false,
            fetchMargins: false,
          },
        },
        symbols: { spot: [...sim.replays.keys()], usdm: [...sim.usdmReplays.keys()] },
        apiKeys: [...sim.accounts.keys()],
        faults: sim.faults.status().pending,
      })}\n`,
    );
  } catch (err) {
    process.stderr.write(`exchange-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    await sim?.close();
    return 1;
  }
  const running = sim;
  await new Promise<void>((done) => {
    const stop = (): void => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
