// A Temporal client for one-shot commands (evaluate, scan): the configured server, else the one a
// running `start` on this data dir uses (its dev server may be on another port), else the dev server's default address.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { findLocalStack } from './local-stack.js';

export function temporalAddressFor(config: Config): string {
  if (config.temporal.address) return config.temporal.address;
  const running = findLocalStack(config);
  if (running) return running.temporalAddress;
  const dev = config.temporal.devServer;
  return `${dev.ip}:${dev.port}`;
}

export async function withTemporalClient<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: temporalAddressFor(config) });
  try {
    return await fn(new Client({ connection, namespace: config.temporal.namespace }));
  } finally {
    await connection.close();
  }
}
