// The terminal commands as a person and a CI job run them, against a real Temporal dev server,
// PostgreSQL, moto behind the fault proxy and the worker as its own process: line-mode progress
// and the summary table, exit codes for --fail-under either side of the score, report and status,
// and, under a pseudo-terminal (python3's pty module), the redrawn bar and Ctrl-C's question
// answered both ways: cancel (the workflow ends cancelled) and leave (it keeps running).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cancelComplianceScan, scanHandle } from '../../client/scans.js';
import { freePort } from '../../worker/dev-server.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { waitFor } from '../support/cli-process.js';
import { startMotoStack, type MotoStack } from '../support/moto-stack.js';

const BIN = path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs');
// Runs argv on a new pseudo-terminal, relaying our stdin to it; exits with the command's code.
const PTY = 'import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))';

interface Run { child: ChildProcess; stdout(): string; stderr(): string; exited: Promise<number | null>; write(text: string): void }

describe('the command line: progress, table, exit codes, Ctrl-C', { timeout: 600_000 }, () => {
  let stack: MotoStack;
  let temporal: Client;
  let tmp: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    stack = await startMotoStack({ name: 'cli-progress' });
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalServer.address }) });
    tmp = mkdtempSync(path.join(tmpdir(), 'cli-progress-'));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await temporal?.connection.close();
    await stack?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => stack.proxy.setRules([]));

  function env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', FINOPS_FROM_SOURCE: '1', DATA_DIR: tmp, ...stack.env, ...extra };
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
    delete e.CI; // a CI runner's CI=true would force line mode under the terminal too
    return e;
  }

  function run(args: string[], opts: { pty?: boolean; env?: Record<string, string | undefined> } = {}): Run {
    const child = opts.pty
      ? spawn('python3', ['-c', PTY, process.execPath, BIN, ...args], { env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, [BIN, ...args], { env: env(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, stdout: () => stdout, stderr: () => stderr, exited, write: (text) => child.stdin!.write(text) };
  }

  const scanIdIn = (text: string) => /scan (scan-adhoc-[0-9a-f]{12}-\d{8}T\d{4}Z[-\w]*) started or joined/.exec(text)?.[1];

  it('line mode: plain progress lines on stderr, the table on stdout, and --fail-under exit codes on each side of the score', async () => {
    const [A0] = stack.org.accounts as [string];
    const [R0] = stack.org.regions as [string];
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 300 } }]);
    // Above any score the seeded organisation can reach (it holds non-compliant resources): exit 3.
    const scan = run(['scan', '--types', 'ec2:instance,ec2:volume,s3:bucket', '--accounts', A0, '--regions', R0,
      '--progress-interval', '1', '--fail-under', '99.5']);
    const code = await scan.exited;
    expect(code, scan.stderr()).toBe(3);
    const id = scanIdIn(scan.stderr())!;
    expect(id).toBeDefined();
    // Line mode: labelled lines, one per interval or phase, never a carriage return or escape.
    const lines = scan.stderr().split('\n').filter((l) => /^\[\d+(m\d+)?s\] /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(scan.stderr()).toMatch(/^\[\d+(m\d\d)?s\] scanning: \d+\/\d+ shards, \d+ failed, \d+\/1 accounts, \d+ resources, (--|[\d.]+) res\/s, ETA /m);
    expect(scan.stderr()).toMatch(/^\[\d+(?:m\d\d)?s\] completed: (\d+)\/\1 shards, 0 failed, 1\/1 accounts, [1-9]\d* resources/m);
    expect(scan.stderr()).not.toMatch(/\r|\u001b\[/); // eslint-disable-line no-control-regex
    expect(scan.stderr()).toMatch(/score [\d.]+% is below --fail-under 99.5% \(exit 3\)/);
    const out = scan.stdout();
    expect(out).toContain(`Scan         ${id} (completed)`);
    expect(out).toMatch(/^Score {8}[\d.]+%$/m);
    expect(out).toMatch(/^Resources {4}[1-9]\d* total, \d+ compliant, [1-9]\d* non-compliant$/m);
    expect(out).toMatch(/^Data {9}complete$/m);
    expect(out).toMatch(new RegExp(`^  ${A0} +[1-9]\\d* +\\d+ +\\d+ +[\\d.]+%$`, 'm'));
    expect(out).toContain(`Temporal UI  http://127.0.0.1:8233/namespaces/default/workflows/${id}`);

    // The score the workflow returned decides the other side: just under it passes.
    const json = run(['status', id, '--json']);
    expect(await json.exited, json.stderr()).toBe(0);
    const status = JSON.parse(json.stdout()) as { status: string; score: number; result: { totals: { total: number; compliant: number } } };
    expect(status.status).toBe('completed');
    expect(status.score).toBeCloseTo(status.result.totals.compliant / status.result.totals.total, 4);
    expect(out).toContain(`${Math.round(status.score * 10_000) / 100}%`);
    const below = Math.floor(status.score * 100 * 100) / 100 - 0.5;
    const pass = run(['status', id, '--fail-under', String(Math.max(0, below))]);
    expect(await pass.exited, pass.stderr()).toBe(0);
    const fail = run(['status', id, '--fail-under', `${Math.min(100, below + 1)}%`]);
    expect(await fail.exited, fail.stderr()).toBe(3);

    // The report of that scan, by the code generate_compliance_report uses, to stdout and to a file.
    const md = run(['report', '--scan', id, '--format', 'markdown']);
    expect(await md.exited, md.stderr()).toBe(0);
    expect(md.stdout()).toContain(id);
    expect(md.stdout()).toMatch(/^#/m);
    const csvFile = path.join(tmp, 'report.csv');
    const csv = run(['report', '--format', 'csv', '--output', csvFile]);
    expect(await csv.exited, csv.stderr()).toBe(0);
    expect(csv.stdout()).toBe('');
    expect(readFileSync(csvFile, 'utf8').split('\n').length).toBeGreaterThan(2);
  });

  it('refuses bad flags with exit 2 before anything starts', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => String(100000000000 + i)).join(',');
    // Every refusal is unit-tested (test/unit/cli/args.test.ts); these check the exit code end to end.
    const cases: Array<[string[], RegExp]> = [
      [['scan', '--types', 'ec2:instance', '--bogus'], /unknown option --bogus/],
      [['scan', '--types', 'ec2:instance', '--accounts', many], /--accounts names 1001 entries; the limit is 1000/],
      // (NUL cannot even be passed in argv; an escape sequence can.)
      [['status', 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z\u001b[2J'], /control character/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(await r.exited, args.join(' ')).toBe(2);
      expect(r.stderr()).toMatch(message);
    }
  });

  it('not a terminal: Ctrl-C leaves the scan running and says so (exit 130)', async () => {
    const [, A1] = stack.org.accounts as [string, string];
    const [R0] = stack.org.regions as [string];
    stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1500 } }]);
    const scan = run(['scan', '--types', 'ec2:instance,s3:bucket', '--accounts', A1, '--regions', R0, '--progress-interval', '1']);
    await waitFor(() => (/shards/.test(scan.stderr()) ? true : undefined), 90_000, () => `no progress: ${scan.stderr()}`);
    scan.child.kill('SIGINT');
    expect(await scan.exited).toBe(130);
    const id = scanIdIn(scan.stderr())!;
    expect(scan.stderr()).toContain(`scan ${id} left running in Temporal (not a terminal, so not asked); follow it with: finops-tag-compliance status ${id}`);
    expect((await scanHandle(temporal, id).describe()).status.name).toBe('RUNNING');
    await cancelComplianceScan(temporal, id, 'test done');
    await scanHandle(temporal, id).result();
  });

  it('beside a running `start` on the embedded store: scan goes through its gateway, report says the store is held', async () => {
    const [A0] = stack.org.accounts as [string];
    const [, R1] = stack.org.regions as [string, string];
    const dataDir = mkdtempSync(path.join(tmp, 'start-'));
    // Its own task queue, so its worker (on PGlite) is the one that runs the scan.
    const startEnv = { DATABASE_URL: undefined, DATA_DIR: dataDir, TEMPORAL_TASK_QUEUE: `cli-progress-start-${process.pid}`, HOST: '127.0.0.1', PORT: String(await freePort()) };
    const start = run(['start'], { env: startEnv });
    try {
      await waitFor(() => (existsSync(path.join(dataDir, 'local-stack.json')) ? true : undefined), 180_000, () => `start never came up: ${start.stderr().slice(-1500)}`);
      const refused = run(['scan', '--types', 'ec2:instance', '--accounts', '999999999999'], { env: startEnv });
      expect(await refused.exited).toBe(2);
      expect(refused.stderr()).toMatch(/the running stack refused the scan: account 999999999999 is not in the allowed set/);
      expect(refused.stderr()).not.toContain('usage:'); // a refused scope is not a flag error
      const scan = run(['scan', '--types', 'ec2:instance,s3:bucket', '--accounts', A0, '--regions', R1, '--json'], { env: startEnv });
      expect(await scan.exited, scan.stderr()).toBe(0);
      const out = JSON.parse(scan.stdout()) as { scan_id: string; status: string; result: { totals: { total: number } } };
      expect(out.status).toBe('completed');
      expect(out.result.totals.total).toBeGreaterThan(0);
      const report = run(['report', '--format', 'markdown'], { env: startEnv });
      expect(await report.exited).toBe(1);
      expect(report.stderr()).toMatch(/report reads the store, and the embedded store in .* is held by the running `start` \(pid \d+\)/);
    } finally {
      start.child.kill('SIGTERM');
      await start.exited;
    }
  });

  describe('under a pseudo-terminal', () => {
    async function startOnPty(account: string): Promise<Run> {
      const [R0] = stack.org.regions as [string];
      stack.proxy.setRules([{ name: 'slow', fault: { kind: 'delay', ms: 1500 } }]);
      const scan = run(['scan', '--types', 'ec2:instance,ec2:volume,s3:bucket', '--accounts', account, '--regions', R0], { pty: true });
      // The bar is drawn in place: carriage return, erase line, then the phase and the bar.
      // eslint-disable-next-line no-control-regex
      await waitFor(() => (/\r\x1b\[2Kscanning +[█░]{24} · \d+\/\d+ shards · \d+ failed · \d+ resources · (--|[\d.]+) res\/s · ETA \S+ · \d+/.test(scan.stdout()) ? true : undefined),
        120_000, () => `no redrawn bar: ${JSON.stringify(scan.stdout().slice(-600))}`);
      // Redrawn several times on one line: no newline between the redraws.
      // eslint-disable-next-line no-control-regex
      await waitFor(() => ((scan.stdout().match(/\r\x1b\[2Kscanning/g) ?? []).length >= 3 ? true : undefined), 30_000, () => 'fewer than 3 redraws');
      return scan;
    }

    it('Ctrl-C then c cancels the scan in Temporal and waits for it to close (exit 130)', async () => {
      const [A0] = stack.org.accounts as [string];
      const scan = await startOnPty(A0);
      const id = scanIdIn(scan.stdout())!;
      expect(id).toBeDefined();
      scan.write('\x03'); // what Ctrl-C sends: the terminal turns it into SIGINT for the command
      await waitFor(() => (scan.stdout().includes('Cancel the scan in Temporal, or leave it running? [c/L]') ? true : undefined),
        30_000, () => `no prompt: ${JSON.stringify(scan.stdout().slice(-400))}`);
      scan.write('c\r');
      expect(await scan.exited, scan.stdout().slice(-1000)).toBe(130);
      expect(scan.stdout()).toContain('cancel requested');
      expect(scan.stdout()).toContain(`Scan         ${id} (cancelled)`);
      const result = await scanHandle(temporal, id).result();
      expect(result.status).toBe('cancelled');
    });

    it('Ctrl-C then Enter leaves the scan running and prints how to follow it (exit 130)', async () => {
      const [, A1] = stack.org.accounts as [string, string];
      const scan = await startOnPty(A1);
      const id = scanIdIn(scan.stdout())!;
      scan.write('\x03');
      await waitFor(() => (scan.stdout().includes('[c/L]') ? true : undefined), 30_000, () => `no prompt: ${scan.stdout().slice(-400)}`);
      scan.write('\r');
      // Slower still from now on, so the scan is surely running when `status` asks.
      stack.proxy.setRules([{ name: 'slower', fault: { kind: 'delay', ms: 15_000 } }]);
      expect(await scan.exited).toBe(130);
      expect(scan.stdout()).toContain(`scan ${id} left running in Temporal; follow it with: finops-tag-compliance status ${id}`);
      expect((await scanHandle(temporal, id).describe()).status.name).toBe('RUNNING');
      // `status` of the running scan: its progress, exit 0 (5 with a threshold: no verdict yet).
      const status = run(['status', id, '--fail-under', '50']);
      expect(await status.exited).toBe(5);
      expect(status.stdout()).toMatch(new RegExp(`^Scan {9}${id} \\(running\\)$`, 'm'));
      expect(status.stdout()).toMatch(/^Progress {5}\S+: /m);
      stack.proxy.setRules([]);
      await cancelComplianceScan(temporal, id, 'test done');
      await scanHandle(temporal, id).result();
    });
  });
});
