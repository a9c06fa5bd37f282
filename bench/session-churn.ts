// RSS of the real gateway process under MCP session churn. Each round opens N sessions and closes
// them with DELETE (the Python SDK's framing), then opens N and abandons them until the idle timeout
// closes them. The gateway's heap is capped (BENCH_GATEWAY_NODE_OPTIONS, default
// --max-old-space-size=128; set it empty to compare): uncapped, V8 grows its heap lazily and RSS
// rises with no leak behind it, while a leak (about 46 KB per session) under the cap would end in an
// out-of-memory crash. Prints RSS per round; asserts nothing.
// Run: npx tsx bench/session-churn.ts (BENCH_CHURN sessions per phase, default 2000; BENCH_ROUNDS, default 3).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../test/support/databases.js';
import { freePort, startDevServer } from '../worker/dev-server.js';
import { findTemporalCli, REPO_ROOT } from '../worker/temporal-cli.js';
import { cpuDescription } from './machine.js';

const CHURN = Number(process.env.BENCH_CHURN ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IDLE_SECONDS = 2;
const CONCURRENCY = 8;
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench-churn', version: '1.0.0' } },
});

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(port: number, method: string, headers: Record<string, string>, body: string): Promise<{ status: number; session?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method, agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode ?? 0, session: res.headers['mcp-session-id'] as string | undefined })); });
    req.on('error', reject);
    req.end(body);
  });
}

async function open(port: number): Promise<string> {
  const res = await send(port, 'POST', { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, INITIALIZE);
  if (res.status !== 200 || !res.session) throw new Error(`initialize answered ${res.status}`);
  return res.session;
}

async function churn(count: number, task: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next++ < count) await task(); }));
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-churn-'));
  const [temporal, database] = await Promise.all([
    startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }), createTestDatabase()]);
  const port = await freePort();
  const policyPath = path.join(dir, 'policy.json');
  await writeFile(policyPath, JSON.stringify({ version: 'bench', required_tags: [{ name: 'Owner', applies_to: [] }] }));
  const gateway = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'http'], {
    env: {
      ...process.env, TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: database.url, POLICY_PATH: policyPath, PORT: String(port),
      LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '1000000', SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
      MAX_SESSIONS_PER_PRINCIPAL: String(CHURN + 100), MAX_SESSIONS: String(CHURN + 100),
      NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS ?? '--max-old-space-size=128',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (const deadline = Date.now() + 60_000; ;) {
      if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok) break;
      if (Date.now() > deadline) throw new Error('gateway did not become healthy');
      await new Promise((r) => setTimeout(r, 250));
    }
    const pid = gateway.pid!;
    await churn(200, async () => { await open(port); }); // warm up
    await new Promise((r) => setTimeout(r, (IDLE_SECONDS + 2) * 1000));
    const rows: Array<[string, number]> = [['before', rssMiB(pid)]];
    for (let round = 1; round <= ROUNDS; round++) {
      await churn(CHURN, async () => {
        const id = await open(port);
        await send(port, 'DELETE', { 'mcp-session-id': id, 'content-type': 'application/json' }, '');
      });
      await churn(CHURN, async () => { await open(port); });
      await new Promise((r) => setTimeout(r, (IDLE_SECONDS + 2) * 1000)); // the abandoned ones expire
      rows.push([`round ${round}: ${2 * CHURN} sessions (${round * 2 * CHURN} in all)`, rssMiB(pid)]);
    }
    console.log(`gateway RSS under session churn (${cpuDescription()}, ` +
      `idle timeout ${IDLE_SECONDS} s, NODE_OPTIONS "${process.env.BENCH_GATEWAY_NODE_OPTIONS ?? '--max-old-space-size=128'}")`);
    for (const [what, mib] of rows) console.log(`${what.padEnd(44)} ${mib.toFixed(1).padStart(7)} MiB`);
  } finally {
    gateway.kill('SIGTERM');
    agent.destroy();
    await temporal.stop();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
