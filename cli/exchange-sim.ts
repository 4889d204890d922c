/**
 * `mmflow exchange-sim --session PREFIX… [--data DIR] [--speed N] [--loop] [--port N] [--account KEY:SECRET:BTC=1,USDT=100000]… [--accounts-file FILE]`:
 * serves the recorded sessions as a Binance spot / USDⓈ-M venue (exchange-sim/, docs/adr/0012) until Ctrl-C.
 * Prints one JSON line on stdout at start: the URLs, the ccxt `urls` override and the sessions.
 */
import { resolve } from 'node:path';
import { dataDir } from '../app/paths.ts';
import { loadAccountsFile, parseAccountFlag, type AccountSpec } from '../exchange-sim/accounts-config.ts';
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
}

/** @returns the process exit code once stopped (0), or 1 with a one-line error on stderr. */
export async function runExchangeSimCommand(opts: ExchangeSimCommandOptions): Promise<number> {
  let sim;
  try {
    const accounts: AccountSpec[] = [
      ...(opts.accountsFile === undefined ? [] : loadAccountsFile(resolve(opts.accountsFile))),
      ...(opts.account ?? []).map(parseAccountFlag),
    ];
    sim = await startExchangeSimulator({
      dataDir: opts.data === undefined ? dataDir() : resolve(opts.data),
      sessions: opts.session,
      speed: opts.speed,
      loop: opts.loop === true,
      port: opts.port,
      host: opts.host,
      accounts,
      limits: { weightPerMinute: opts.weightPerMinute, ordersPer10s: opts.ordersPer10s },
    });
    const { urls: ccxtUrls } = ccxtBinanceConfig(sim.urls);
    process.stdout.write(
      `${JSON.stringify({
        ...sim.urls,
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
