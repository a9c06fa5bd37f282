// A Temporal client for one-shot commands (evaluate, scan): the configured server, else the dev server's address.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';

export async function withTemporalClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const dev = config.temporal.devServer;
  const address = config.temporal.address ?? `${dev.ip}:${dev.port}`;
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}
