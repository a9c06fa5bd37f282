// The CLI's small commands as a user runs them: help, no command, an unknown command, `evaluate`
// without a file, and `http` (the gateway alone, no worker) against a real Temporal dev server
// and PostgreSQL, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type DevServer } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestTemporal } from '../support/temporal.js';

const BIN = path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('finops-tag-compliance commands', { timeout: 120_000 }, () => {
  it('prints the usage for help and --help and exits 0', async () => {
    for (const arg of ['help', '--help']) {
      const r = await run([arg]);
      expect(r.code, arg).toBe(0);
      expect(r.stderr).toMatch(/usage: finops-tag-compliance <command>/);
      for (const command of ['start', 'worker', 'http', 'stdio', 'evaluate']) expect(r.stderr).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
      expect(r.stdout).toBe('');
    }
  });

  it('prints the usage and exits 2 with no command', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: finops-tag-compliance <command>/);
  });

  it('names an unknown command, prints the usage and exits 2', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect(r.stderr).toMatch(/usage: finops-tag-compliance <command>/);
  });

  it('says what evaluate needs when the file is missing, and exits 1', async () => {
    const r = await run(['evaluate', '--snapshot']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/evaluate needs an inventory file/);
  });

  describe('http', () => {
    let temporalServer: DevServer;
    let database: TestDatabase;

    beforeAll(async () => {
      [temporalServer, database] = await Promise.all([startTestTemporal(), createTestDatabase()]);
    });

    afterAll(async () => {
      await temporalServer?.stop();
      await database?.drop();
    });

    it('serves /health and prints its /mcp URL, runs no worker, and stops cleanly on SIGTERM', async () => {
      const port = await freePort();
      const taskQueue = `cli-http-${process.pid}`;
      const child = spawn(process.execPath, [BIN, 'http'], {
        env: {
          ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port),
          TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: database.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        for (const deadline = Date.now() + 90_000; !stderr.includes('Health ');) {
          if (child.exitCode !== null) throw new Error(`http exited early (${child.exitCode}): ${stderr}`);
          if (Date.now() > deadline) throw new Error(`http never came up: ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(stderr).toMatch(/Worker {10}not in this process/);
        expect(stderr).toContain(`MCP (HTTP)      http://127.0.0.1:${port}/mcp`);

        const health = await fetch(`http://127.0.0.1:${port}/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ status: 'ok', temporal: { ok: true }, database: { ok: true }, policy: { ok: true } });
        const other = await fetch(`http://127.0.0.1:${port}/nowhere`);
        expect(other.status).toBe(404);

        // No worker polls the task queue: `http` is the gateway alone.
        const connection = await Connection.connect({ address: temporalServer.address });
        try {
          const described = await connection.workflowService.describeTaskQueue({
            namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          });
          expect(described.pollers ?? []).toHaveLength(0);
        } finally {
          await connection.close();
        }

        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  });
});
