/** A Temporal client for CLI commands: TEMPORAL_ADDRESS (default 127.0.0.1:7233, the dev server) + namespace. */
import { Client, Connection } from '@temporalio/client';

export interface CliClient {
  readonly client: Client;
  close(): Promise<void>;
}

/** Connects to `TEMPORAL_ADDRESS` (default `127.0.0.1:7233`), namespace `TEMPORAL_NAMESPACE` (default `default`). */
export async function connectCliClient(env: NodeJS.ProcessEnv = process.env): Promise<CliClient> {
  const address = env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (err) {
    throw new Error(
      `cannot connect to Temporal at ${address} (TEMPORAL_ADDRESS): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const client = new Client({ connection, namespace: env['TEMPORAL_NAMESPACE'] ?? 'default' });
  return { client, close: () => connection.close() };
}
