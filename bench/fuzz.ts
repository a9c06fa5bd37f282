// Fuzzes every tool of a real gateway process through a real MCP client over Streamable HTTP:
// FUZZ_CALLS (default 5,000) generated inputs, NUL and other control characters included.
// Prints what must be zero (crashes, internal errors, stack traces, internal hosts or secrets in
// replies, calls without an audit row) and the gateway's RSS before and after. Asserts nothing.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { openDb } from '../store/index.js';
import { SCAN_POLICY_PATH } from '../test/support/aws-seed.js';
import { createTestDatabase } from '../test/support/databases.js';
import { correlationIdOf, fuzzArguments, LEAK, rng, type FuzzSchema } from '../test/support/fuzz.js';
import { freePort, startDevServer } from '../worker/dev-server.js';
import { findTemporalCli, REPO_ROOT } from '../worker/temporal-cli.js';
import { cpuDescription } from './machine.js';

const CALLS = Number(process.env.FUZZ_CALLS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const CALLS_PER_SESSION = 500;
const AWS_PORT = 9; // nothing listens: live AWS reads fail fast, and the port must not show in replies

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  const [temporal, database] = await Promise.all([
    startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true }),
    createTestDatabase(),
  ]);
  const port = await freePort();
  const internal = [temporal.address, `127.0.0.1:${AWS_PORT}`, new URL(database.url).host];
  const internalHost = new RegExp(internal.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
  const gateway = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'finops-tag-compliance.mjs'), 'http'], {
    env: {
      ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: `fuzz-${process.pid}`, DATABASE_URL: database.url,
      POLICY_PATH: path.join(REPO_ROOT, SCAN_POLICY_PATH), PORT: String(port), LOG_LEVEL: 'silent', AWS_ENDPOINT_URL: `http://127.0.0.1:${AWS_PORT}`,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'fuzz-secret-key-should-never-appear', AWS_REGION: 'us-east-1',
      RATE_LIMIT_PER_MINUTE: '1000000', SESSION_CALL_BUDGET: '100000', MAX_IDENTICAL_CALLS: '100000', DEFAULT_WAIT_SECONDS: '0',
      QUOTA_CALLS_PER_MINUTE: '0', QUOTA_SCANS_PER_DAY: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let gatewayExit: number | null | undefined;
  gateway.on('exit', (code) => { gatewayExit = code; });
  const counts = { calls: 0, ok: 0, toolError: 0, protocolError: 0, crashes: 0, internalErrors: 0, leaks: 0, internalHosts: 0, withoutId: 0, unaudited: 0 };
  const examples: string[] = [];
  const shown = new Map<string, number>();
  const note = (kind: string, text: string) => { // the first three of each kind
    const n = shown.get(kind) ?? 0;
    shown.set(kind, n + 1);
    if (n < 3) examples.push(`${kind}: ${text.slice(0, kind === "leak" ? 1200 : 240)}`);
  };
  const rssSamples: number[] = [];
  let rssBefore = NaN;
  try {
    for (const deadline = Date.now() + 60_000; ;) {
      if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok) break;
      if (Date.now() > deadline || gatewayExit !== undefined) throw new Error('gateway did not become healthy');
      await new Promise((r) => setTimeout(r, 250));
    }
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const random = rng(SEED);
    let client: Client | undefined;
    let tools: Tool[] = [];
    const ids: string[] = [];
    const started = performance.now();
    for (let i = 0; i < CALLS; i++) {
      if (i % CALLS_PER_SESSION === 0) {
        await client?.close();
        client = new Client({ name: 'bench-fuzz', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(url));
        if (i === 0) {
          tools = (await client.listTools()).tools;
          rssBefore = await rssMiB(gateway.pid!);
        }
        rssSamples.push(await rssMiB(gateway.pid!));
      }
      const tool = tools[Math.floor(random() * tools.length)]!;
      const args = fuzzArguments(tool.inputSchema as FuzzSchema, random);
      counts.calls++;
      let reply: unknown;
      try {
        const result = await client!.callTool({ name: tool.name, arguments: args as Record<string, unknown> }, undefined, { timeout: 30_000 });
        if (result.isError) counts.toolError++; else counts.ok++;
        reply = result;
      } catch (err) {
        reply = err;
        const message = (err as Error).message;
        if (!/^MCP error -3\d{4}|"code":-3\d{4}/.test(message)) { counts.crashes++; note('crash', message); }
        else if (/-32603/.test(message)) { counts.internalErrors++; note('internal error', `${tool.name}: ${message}`); }
        else counts.protocolError++;
      }
      const text = reply instanceof Error ? reply.message : JSON.stringify(reply);
      if (LEAK.test(text)) { counts.leaks++; note('leak', `${tool.name}: ${text}`); }
      if (internalHost.test(text)) { counts.internalHosts++; note('internal host', `${tool.name}: ${text}`); }
      const id = correlationIdOf(reply);
      if (id) ids.push(id); else { counts.withoutId++; note('no correlation id', `${tool.name}: ${text}`); }
    }
    const seconds = (performance.now() - started) / 1000;
    await client?.close();
    const rssAfter = await rssMiB(gateway.pid!);
    gateway.kill('SIGTERM'); // flushes the audit rows still queued
    await new Promise((r) => (gatewayExit !== undefined ? r(undefined) : gateway.once('exit', r)));
    const db = await openDb({ databaseUrl: database.url });
    const audited = new Set((await db.query<{ correlation_id: string }>('select correlation_id from audit_log')).map((r) => r.correlation_id));
    await db.close();
    counts.unaudited = ids.filter((id) => !audited.has(id)).length + counts.withoutId;
    const rows: [string, string][] = [
      ['calls', `${counts.calls} over ${tools.length} tools in ${seconds.toFixed(1)} s (seed ${SEED})`],
      ['answers', `${counts.ok} ok, ${counts.toolError} tool errors, ${counts.protocolError} protocol errors`],
      ['crashes', `${counts.crashes}  (target 0: transport failures, non-JSON-RPC replies)`],
      ['internal errors', `${counts.internalErrors}  (target 0: -32603)`],
      ['stacks/secrets', `${counts.leaks}  (target 0)`],
      ['internal hosts', `${counts.internalHosts}  (target 0: ${internal.join(', ')})`],
      ['unaudited calls', `${counts.unaudited}  (target 0; ${counts.withoutId} replies without a correlation id)`],
      ['gateway RSS', `${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MiB (${(rssAfter - rssBefore >= 0 ? '+' : '')}${(rssAfter - rssBefore).toFixed(1)})`],
      [`RSS /${CALLS_PER_SESSION}`, `${rssSamples.map((r) => r.toFixed(0)).join(' ')} MiB (at each new session)`],
      ['gateway alive', gatewayExit === 0 || gatewayExit === null ? 'yes (exited cleanly on SIGTERM)' : `no (exit ${gatewayExit})`],
      ['node', process.version],
      ['cpu', cpuDescription()],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(16)} ${v}\n`);
    for (const example of examples) process.stdout.write(`  ${example.replace(/\s+/g, ' ')}\n`);
  } finally {
    if (gatewayExit === undefined) gateway.kill('SIGKILL');
    await temporal.stop();
    await database.drop();
  }
}

await main();
