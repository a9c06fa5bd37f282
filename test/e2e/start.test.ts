// `npm start`'s command as a user runs it: the whole stack in one process on the embedded
// store, a workflow run through the `evaluate` command, then Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isTemporalReachable } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';

const BIN = path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs');

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((err: Error) => {
      if (err.message.startsWith('start exited')) throw err;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('finops-tag-compliance start', () => {
  let child: ChildProcess | undefined;
  afterAll(() => { child?.kill('SIGKILL'); });

  it('builds dist/, brings up Temporal, worker and gateway from it, runs evaluateInventory, and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-'));
    const [temporalPort, uiPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      PORT: String(httpPort),
      LOG_LEVEL: 'info', // its steps show in the failure message when the stack does not come up
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    // As `npm start` does: build dist/, then run it (the other suites run the sources).
    delete env.FINOPS_FROM_SOURCE;
    const build = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'build.sh')], { encoding: 'utf8', timeout: 120_000 });
    expect(build.status, build.stderr).toBe(0);
    let stderr = '';
    child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });

    let exitedEarly: string | undefined;
    child.once('exit', (code, signal) => { exitedEarly = `exited with ${signal ?? code}`; });
    const health = await waitFor(async () => {
      if (exitedEarly) throw new Error(`start ${exitedEarly}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/health`);
      return res.status === 200 ? (await res.json()) as { database: { kind: string } } : undefined;
    }, 150_000).catch((err: Error) => {
      throw new Error(`${exitedEarly ? `start ${exitedEarly}` : `${err.message}, start still running`}; its stderr:\n${stderr.slice(-6000)}`);
    });
    expect(health.database.kind).toBe('pglite');
    expect(stderr).not.toContain('running the sources'); // it ran the fresh build
    expect(stderr).toContain(`Temporal Web UI http://127.0.0.1:${uiPort}`);
    expect(stderr).toContain('"mcpServers"');
    const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
    expect(ui.status).toBe(200);

    // A second process opening the same embedded store itself (`stdio --worker`; plain `stdio`
    // serves through this one, test/integration/cli-stdio-beside-start.test.ts) is refused with an explanation.
    const second = spawnSync(process.execPath, [BIN, 'stdio', '--worker'], { env, encoding: 'utf8', timeout: 60_000, input: '' });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/embedded store .* is in use by process \d+/);

    const evaluated = spawnSync(process.execPath, [BIN, 'evaluate', path.join(REPO_ROOT, 'examples', 'inventory.sample.json')], {
      env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}` }, encoding: 'utf8', timeout: 60_000,
    });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const result = JSON.parse(evaluated.stdout) as { scanId: string; totals: { total: number } };
    expect(result.scanId).toMatch(/^inventory-[0-9a-f]{8}-\d{8}T\d{6}$/);
    expect(result.totals.total).toBe(6);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await isTemporalReachable(`127.0.0.1:${temporalPort}`, 1000)).toBe(false);
  }, 240_000);
});
