// The record a running `start` leaves in its data dir, and who may serve through it: a process
// configured for the same Temporal, task queue and database, never one configured for another
// deployment; a record whose process is gone is ignored. The record carries no password.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseIdentity, findLocalStack, localStackFile, type LocalStack } from '../../cli/local-stack.js';
import { configSchema } from '../../config/index.js';

describe('local stack record', () => {
  const children: Array<{ kill(): void }> = [];
  afterEach(() => { for (const c of children.splice(0)) c.kill(); });

  /** A record as another live process (a sleeping child stands in for `start`) would write it. */
  function recordFromAnotherProcess(overrides: Partial<LocalStack> = {}) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cli-local-stack-'));
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    const record: LocalStack = {
      pid: child.pid!, httpUrl: 'http://127.0.0.1:39999', temporalAddress: '127.0.0.1:17233',
      namespace: 'default', taskQueue: 'tag-compliance', database: 'pglite', ...overrides,
    };
    writeFileSync(localStackFile(dataDir), JSON.stringify(record));
    return { dataDir, record, child };
  }

  const configFor = (dataDir: string, extra: Record<string, unknown> = {}) => configSchema.parse({ dataDir, logLevel: 'silent', ...extra });

  it('is found by a process on the same data dir and stack (the printed Claude Desktop entry)', () => {
    const { dataDir, record } = recordFromAnotherProcess();
    expect(findLocalStack(configFor(dataDir))).toEqual(record);
    // The dev server's port is not compared: the record says where start's server is.
    expect(findLocalStack(configFor(dataDir, { temporal: { devServer: { port: 7233 } } }))).toEqual(record);
    expect(findLocalStack(configFor(dataDir, { temporal: { address: '127.0.0.1:17233' } }))).toEqual(record);
  });

  it('is not used by a process configured for another Temporal, task queue or database', () => {
    const { dataDir } = recordFromAnotherProcess();
    expect(findLocalStack(configFor(dataDir, { temporal: { address: '10.0.0.5:7233' } }))).toBeUndefined();
    expect(findLocalStack(configFor(dataDir, { temporal: { taskQueue: 'other' } }))).toBeUndefined();
    expect(findLocalStack(configFor(dataDir, { database: { url: 'postgres://postgres@127.0.0.1:5432/finops' } }))).toBeUndefined();
  });

  it('matches a PostgreSQL stack by user, host, port and name, whatever the password', () => {
    const { dataDir, record } = recordFromAnotherProcess({ database: 'postgres:app@db.internal:5432/finops' });
    expect(findLocalStack(configFor(dataDir, { database: { url: 'postgres://app:s3cret@db.internal/finops' } }))).toEqual(record);
    expect(findLocalStack(configFor(dataDir, { database: { url: 'postgres://app:s3cret@db.internal/other' } }))).toBeUndefined();
    // What `start` writes for its database names it without the password.
    expect(databaseIdentity('postgres://app:s3cret@db.internal/finops')).toBe('postgres:app@db.internal:5432/finops');
  });

  it('is ignored once its process has exited', async () => {
    const { dataDir, child } = recordFromAnotherProcess();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    expect(findLocalStack(configFor(dataDir))).toBeUndefined();
  });
});
