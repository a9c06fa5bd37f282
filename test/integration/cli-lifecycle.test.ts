// The shutdown deadline (cli/lifecycle.ts): a step that never finishes does not keep the process
// alive; it exits 1 naming what it abandoned, and the dev server it launched in its own process
// group is killed on the way out (worker/dev-server.ts's exit hook).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { killLeftovers, leftovers, waitFor } from '../support/cli-process.js';

describe('cli lifecycle: the shutdown deadline', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('exits 1 when a step hangs past the deadline, names it, and leaves no dev server behind', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-lifecycle-'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'support', 'lifecycle-child.ts'), path.join(dir, 'temporal.db'), '1500'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    cleanup = () => killLeftovers(child.pid!, dir);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await waitFor(() => (stdout.includes('ready') ? true : undefined), 120_000, () => `child never got ready:\n${stderr}`);
    expect(leftovers(child.pid!, dir)).not.toEqual([]); // its dev server runs, in a group of its own
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C: reaches the child, not its dev server

    expect(await exited).toBe(1);
    expect(stderr).toContain('shutdown deadline passed; exiting anyway');
    expect(stderr).toContain('"step":"stuck step"');
    expect(stderr).toContain('"holding":"a request that never ends"');
    // SIGKILLed on the way out, without waiting for it: give the kernel a moment to finish it.
    await waitFor(() => (leftovers(child.pid!, dir).length === 0 ? true : undefined), 10_000,
      () => `still running: ${leftovers(child.pid!, dir).join('; ')}`);
  }, 180_000);
});
