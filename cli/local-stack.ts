// <dataDir>/local-stack.json: where a running `start` serves (its HTTP gateway and Temporal), so a
// `stdio` process launched beside it (Claude Desktop's entry) serves through that stack instead of
// opening the single-process embedded store a second time. Written once `start` is up, removed as
// it stops; a record whose process is gone is ignored. It holds addresses only, never credentials.
import { readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { processAlive } from './process-alive.js';

const FILE = 'local-stack.json';

export interface LocalStack {
  pid: number;
  /** The HTTP gateway's base URL (its MCP endpoint is `${httpUrl}/mcp`). */
  httpUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** `pglite`, or the PostgreSQL database as user@host:port/name: never its password. */
  database: string;
}

/** Which database a config names, comparable across processes and safe to write down. */
export function databaseIdentity(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'pglite';
  try {
    const u = new URL(databaseUrl);
    return `postgres:${decodeURIComponent(u.username)}@${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres:unparseable'; // openDb reports the bad URL; never echo it here
  }
}

/**
 * Whether a process with `config` would use the same stack as `start` did: the same Temporal
 * (when it names one), namespace, task queue and database. A `stdio` configured for another
 * deployment (tests, a shared PostgreSQL) then serves on its own, as configured.
 */
export function sameStack(stack: LocalStack, config: Config): boolean {
  return (!config.temporal.address || config.temporal.address === stack.temporalAddress)
    && config.temporal.namespace === stack.namespace
    && config.temporal.taskQueue === stack.taskQueue
    && databaseIdentity(config.database.url) === stack.database;
}

export function localStackFile(dataDir: string): string {
  return path.resolve(dataDir, FILE);
}

export function recordLocalStack(dataDir: string, stack: Omit<LocalStack, 'pid'>): () => void {
  const file = localStackFile(dataDir);
  const record: LocalStack = { pid: process.pid, ...stack };
  // Written whole then renamed: a reader never sees half a record.
  writeFileSync(`${file}.${process.pid}`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.${process.pid}`, file);
  return () => {
    // Only our own record: a later `start` on the same data dir may have replaced it.
    if (readLocalStackRecord(dataDir)?.pid === process.pid) rmSync(file, { force: true });
  };
}

function readLocalStackRecord(dataDir: string): LocalStack | undefined {
  let text: string;
  try {
    text = readFileSync(localStackFile(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const value = JSON.parse(text) as Partial<LocalStack>;
  if (!Number.isInteger(value.pid) || typeof value.httpUrl !== 'string' || typeof value.temporalAddress !== 'string') {
    throw new Error(`${localStackFile(dataDir)} is not a local stack record; delete it if no \`start\` is running`);
  }
  return value as LocalStack;
}

/**
 * The `start` running on this config's data dir and serving the stack this config names, or
 * undefined when there is none (no record, its process gone, or another Temporal or database).
 */
export function findLocalStack(config: Config): LocalStack | undefined {
  const record = readLocalStackRecord(config.dataDir);
  return record && record.pid !== process.pid && processAlive(record.pid) && sameStack(record, config) ? record : undefined;
}

/**
 * findLocalStack, confirmed by its gateway answering (any HTTP status: /health says 503 while
 * Temporal is away, and that is still the stack to serve through). A recorded pid now reused by
 * another program answers nothing, and the caller then serves on its own.
 */
export async function findRunningLocalStack(config: Config, timeoutMs = 2_000): Promise<LocalStack | undefined> {
  const stack = findLocalStack(config);
  if (!stack) return undefined;
  try {
    await fetch(`${stack.httpUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return stack;
  } catch {
    return undefined;
  }
}
