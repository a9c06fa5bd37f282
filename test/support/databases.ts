// Throwaway databases for test suites: a uniquely named PostgreSQL database on the local server,
// or a PGlite data directory in a temp folder.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../store/index.js';

export const TEST_DATABASE_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot reach the test PostgreSQL at ${redact(TEST_DATABASE_ADMIN_URL)} ` +
      `(set TEST_DATABASE_ADMIN_URL): ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Creates `finops_test_<pid>_<random>` and returns its URL; drop() removes it, connections and all. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `finops_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await asAdmin((client) => client.query(`create database "${name}"`));
  const url = new URL(TEST_DATABASE_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      await asAdmin((client) => client.query(`drop database if exists "${name}" with (force)`));
      dropped = true;
    },
  };
}

export interface TestPglite {
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A fresh PGlite data directory; cleanup() deletes it (close the database first). */
export async function createTestPglite(): Promise<TestPglite> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'finops-pglite-'));
  return {
    dataDir,
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Both store backends, each provisioned empty, for suites that must hold on PostgreSQL and PGlite alike. */
export const STORE_BACKENDS = [
  { kind: 'postgres', async provision(): Promise<{ db: Db; release: () => Promise<void> }> {
    const database = await createTestDatabase();
    return { db: await openDb({ databaseUrl: database.url, poolMax: 4 }), release: () => database.drop() };
  } },
  { kind: 'pglite', async provision(): Promise<{ db: Db; release: () => Promise<void> }> {
    const dir = await createTestPglite();
    return { db: await openDb({ dataDir: dir.dataDir }), release: () => dir.cleanup() };
  } },
];
