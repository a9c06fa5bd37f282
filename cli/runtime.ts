// Assembles the running system from config: store, Temporal (joined or started), worker,
// gateway transports. Each CLI command picks the pieces it needs.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { openDb, type Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createStore, type Store } from '../store/index.js';
import { isTemporalReachable, startDevServer, type DevServer } from '../worker/dev-server.js';
import { findTemporalCli } from '../worker/temporal-cli.js';
import { forgetDevServer, recordDevServer, stopOrphanedDevServer } from './dev-server-pidfile.js';
import { lockEmbeddedStore } from './embedded-lock.js';

export interface StoreHandle {
  db: Db;
  store: Store;
  close(): Promise<void>;
}

export async function openStore(config: Config, logger: Logger): Promise<StoreHandle> {
  const url = config.database.url;
  const unlock = url ? () => {} : lockEmbeddedStore(config.dataDir);
  try {
    const db = await openDb({ databaseUrl: url, dataDir: path.join(config.dataDir, 'pglite'), poolMax: config.database.poolMax });
    const { applied } = await migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
    return {
      db,
      store: createStore(db),
      close: async () => {
        await db.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export interface TemporalHandle {
  address: string;
  uiUrl?: string;
  devServer?: DevServer;
  client: Client;
  /** Stops forwarding the dev server's output (called as shutdown begins). */
  quiet(): void;
  close(): Promise<void>;
}

/**
 * Joins the Temporal server at temporal.address; with no address configured and `allowDevServer`,
 * starts a dev server (SQLite-persisted under .data/) on the configured ports.
 */
export async function connectTemporal(config: Config, logger: Logger, allowDevServer: boolean): Promise<TemporalHandle> {
  const dev = config.temporal.devServer;
  let address = config.temporal.address ?? `${dev.ip}:${dev.port}`;
  let devServer: DevServer | undefined;
  let uiUrl: string | undefined;
  // Once we stop, the dev server's complaints about workers and clients going away are expected.
  let quiet = false;
  if (!config.temporal.address && allowDevServer) await stopOrphanedDevServer(config.dataDir, logger);
  if (!(await isTemporalReachable(address))) {
    if (config.temporal.address || !allowDevServer) {
      throw new Error(`Temporal is not reachable at ${address}. Start it (npm start runs a dev server) or fix TEMPORAL_ADDRESS.`);
    }
    const cliPath = findTemporalCli(config.temporal.cliPath);
    logger.info({ cliPath }, 'starting Temporal dev server');
    const dbFile = dev.dbFile ?? path.join(config.dataDir, 'temporal.db');
    devServer = await startDevServer({
      cliPath, ip: dev.ip, port: dev.port, uiPort: dev.uiPort, dbFile, namespace: config.temporal.namespace,
      onOutput: (text) => {
        if (quiet || !text.trim()) return;
        // Its start-up banner (version, ports) is not a warning: the banner below says where things are.
        if (/^Temporal (CLI|Server|Persistence|UI|Metrics)/m.test(text)) logger.debug({ temporal: text.trim() }, 'temporal dev server');
        else logger.warn({ temporal: text.trim() }, 'temporal dev server');
      },
      // Ctrl-C must reach only us, so the worker drains before its server goes away.
      ownProcessGroup: true,
    });
    logger.info({ devServerPid: devServer.process.pid, address: devServer.address }, 'Temporal dev server started; it stops when this process does');
    mkdirSync(config.dataDir, { recursive: true });
    recordDevServer(config.dataDir, devServer.process.pid!, dbFile);
    address = devServer.address;
    uiUrl = devServer.uiUrl;
  } else if (!config.temporal.address) {
    uiUrl = `http://${dev.ip}:${dev.uiPort}`;
    // Not silent: it may be a server left over from a run that was SIGKILLed.
    logger.warn({ address }, 'a Temporal server already answers at the dev server address; using it (not started by this process, so not stopped by it)');
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ address });
  } catch (err) {
    if (devServer) {
      await devServer.stop();
      forgetDevServer(config.dataDir);
    }
    throw err;
  }
  // With tracing on, starting a workflow carries the caller's trace (and correlation id) into it.
  const tracing = config.tracing.enabled ? { interceptors: (await import('../worker/tracing.js')).tracingClientInterceptors() } : {};
  const client = new Client({ connection, namespace: config.temporal.namespace, ...tracing });
  return {
    address, uiUrl, devServer, client,
    quiet: () => { quiet = true; },
    close: async () => {
      try {
        await connection.close();
      } finally {
        if (devServer) {
          await devServer.stop();
          forgetDevServer(config.dataDir);
        }
      }
    },
  };
}
