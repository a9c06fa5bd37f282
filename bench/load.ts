// Load: --clients (50) concurrent MCP clients over Streamable HTTP against the real gateway process
// (started as docker-compose deploys it, see bench/gateway/serve.ts), each calling a mix of read
// tools on a cached scan for --seconds (60) per protocol era, after --warmup (5) s of untimed calls:
// check_tag_compliance (cached), get_tagging_policy, generate_compliance_report (cached) and
// list_scans (get_scan_status asks Temporal for a live workflow, which the seeded scan has not
// got). Prints errors, p50 and p99 per tool and era, throughput, the gateway's CPU per call and
// RSS (Linux /proc), and the time from a call to its first progress notification, with the
// machine and the date. Asserts nothing about time.
//
//   npm run bench:load -- [--clients 50] [--seconds 60] [--warmup 5]     (BENCH_ERAS picks an era)
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { hostSpeedMicros } from './machine.js';
import { cpuSpent, ERAS, erasFromEnv, machineRows, percentile, processRssKiB, RESOURCES, SCOPE, startBenchGateway,
  type CpuMs, type Era } from './gateway/serve.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
  },
});
const positive = (name: keyof typeof args): number => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0, got ${String(args[name])}`);
  return value;
};
const CLIENTS = positive('clients');
const SECONDS = positive('seconds');
const WARMUP_SECONDS = positive('warmup');
const PROGRESS_SAMPLES = 10;

/** One kind of call in the mix, and what makes its answer right (a cached read, not a new scan). */
interface Mixed { tool: string; args: Record<string, unknown>; ok(structured: Record<string, unknown> | undefined): boolean }

const MIX: Mixed[] = [
  { tool: 'check_tag_compliance', args: { ...SCOPE, limit: 50 },
    ok: (s) => (s?.scan as { cached?: boolean } | undefined)?.cached === true },
  // get_scan_status is left out: it asks Temporal for the scan's workflow, which a seeded scan has not got.
  { tool: 'get_tagging_policy', args: {}, ok: (s) => typeof s?.hash === 'string' },
  { tool: 'generate_compliance_report', args: { ...SCOPE, format: 'json' }, ok: (s) => s?.cached === true && typeof s.report === 'string' },
  { tool: 'list_scans', args: { limit: 20 }, ok: (s) => Array.isArray(s?.scans) && (s.scans as unknown[]).length > 0 },
];

interface ToolFigures { calls: number; errors: number; latencies: number[]; firstError?: string }
interface EraRun { era: Era; byTool: Map<string, ToolFigures>; cpu: CpuMs | undefined; peakRssKiB: number | undefined; rssAfterKiB: number | undefined }

async function runEra(era: Era, gateway: Awaited<ReturnType<typeof startBenchGateway>>): Promise<EraRun> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const client = new Client({ name: 'bench-load', version: '1.0.0' }, ERAS[era]);
    await client.connect(new StreamableHTTPClientTransport(gateway.url));
    if (client.getProtocolEra() !== (era === '2026-07-28' ? 'modern' : 'legacy')) throw new Error(`client did not speak ${era}`);
    return client;
  }));
  const byTool = new Map(MIX.map((m) => [m.tool, { calls: 0, errors: 0, latencies: [] } as ToolFigures]));
  const measureFrom = performance.now() + WARMUP_SECONDS * 1000;
  const end = measureFrom + SECONDS * 1000;
  const cpuBefore = new Promise<Map<string, number> | undefined>((resolve) => setTimeout(() => resolve(gateway.cpu()), WARMUP_SECONDS * 1000));
  let peakRssKiB: number | undefined;
  const pid = gateway.process.pid!;
  const rssTimer = setInterval(() => void processRssKiB(pid).then((kib) => {
    if (kib !== undefined && performance.now() >= measureFrom) peakRssKiB = Math.max(peakRssKiB ?? 0, kib);
  }), 250);
  // Each client starts at a different place in the mix, so every tool is in flight at every moment.
  await Promise.all(clients.map(async (client, c) => {
    for (let i = c; performance.now() < end; i++) {
      const mixed = MIX[i % MIX.length]!;
      const figures = byTool.get(mixed.tool)!;
      const started = performance.now();
      let failure: string | undefined;
      try {
        const result = await client.callTool({ name: mixed.tool, arguments: mixed.args });
        const structured = result.structuredContent as Record<string, unknown> | undefined;
        if (result.isError || !mixed.ok(structured)) failure = JSON.stringify(result.content).slice(0, 200);
      } catch (err) {
        failure = (err as Error).message.slice(0, 200);
      }
      if (started < measureFrom) continue;
      figures.calls++;
      figures.latencies.push(performance.now() - started);
      if (failure) {
        figures.errors++;
        figures.firstError ??= failure;
      }
    }
  }));
  clearInterval(rssTimer);
  const cpuAfter = await gateway.cpu();
  await Promise.allSettled(clients.map((c) => c.close()));
  return { era, byTool, cpu: cpuSpent(await cpuBefore, cpuAfter), peakRssKiB, rssAfterKiB: await processRssKiB(pid) };
}

/**
 * Time from tools/call to the first notifications/progress: check_tag_compliance told to scan afresh
 * and wait, one call at a time on an idle gateway. No worker runs, so the scan never moves past its
 * start; the first notification (naming the scan id) goes out once the workflow has started.
 */
async function firstProgress(era: Era, url: URL, samples: number): Promise<{ sorted: number[]; missing: number; why?: string }> {
  const client = new Client({ name: 'bench-load-progress', version: '1.0.0' }, ERAS[era]);
  await client.connect(new StreamableHTTPClientTransport(url));
  const times: number[] = [];
  let missing = 0;
  let why: string | undefined;
  try {
    for (let i = 0; i < samples; i++) {
      let first: number | undefined;
      const started = performance.now();
      const result = await client.callTool({ name: 'check_tag_compliance', arguments: { ...SCOPE, force_refresh: true, wait_seconds: 1 } },
        { onprogress: () => { first ??= performance.now() - started; } });
      if (first === undefined) {
        missing++;
        why ??= JSON.stringify(result.content).slice(0, 200);
      }
      else times.push(first);
    }
  } finally {
    await client.close();
  }
  return { sorted: times.sort((a, b) => a - b), missing, why };
}

const ms = (n: number) => n.toFixed(1);
const mib = (kib: number | undefined) => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);

function printTable(runs: EraRun[]): void {
  const rows: string[][] = [['era', 'tool', 'calls', 'calls/s', 'errors', 'p50 ms', 'p99 ms', 'max ms']];
  for (const run of runs) {
    const all: number[] = [];
    let calls = 0;
    let errors = 0;
    for (const [tool, f] of run.byTool) {
      f.latencies.sort((a, b) => a - b);
      all.push(...f.latencies);
      calls += f.calls;
      errors += f.errors;
      rows.push([run.era, tool, String(f.calls), (f.calls / SECONDS).toFixed(0), String(f.errors),
        ms(percentile(f.latencies, 50)), ms(percentile(f.latencies, 99)), ms(f.latencies.at(-1) ?? NaN)]);
    }
    all.sort((a, b) => a - b);
    rows.push([run.era, 'all', String(calls), (calls / SECONDS).toFixed(0), String(errors), ms(percentile(all, 50)), ms(percentile(all, 99)),
      ms(all.at(-1) ?? NaN)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  console.log();
  const info: [string, string][] = [];
  for (const run of runs) {
    const calls = [...run.byTool.values()].reduce((sum, f) => sum + f.calls, 0);
    const per = (cpuMs: number) => `${((cpuMs / Math.max(1, calls)) * 1000).toFixed(0)} µs`;
    if (run.cpu) {
      info.push([`${run.era} CPU/call`, `gateway ${per(run.cpu.gateway)}, database ${per(run.cpu.database)}, bench clients ${per(run.cpu.bench)}; ` +
        `gateway ${(run.cpu.gateway / 1000 / SECONDS * 100).toFixed(0)}% of a core`]);
    }
    info.push([`${run.era} gateway RSS`, `peak ${mib(run.peakRssKiB)} (VmRSS every 250 ms), ${mib(run.rssAfterKiB)} after`]);
    for (const [tool, f] of run.byTool) if (f.firstError) info.push([`${run.era} ${tool} error`, f.firstError]);
  }
  info.push(['gateway', `flags ${gateway.nodeArgs.join(' ') || '(none)'}; code ${gateway.code}; node ${gateway.node}`]);
  info.push(['clients', `${CLIENTS} per era, ${SECONDS} s each after ${WARMUP_SECONDS} s of untimed warm-up`]);
  info.push(['cached scan', `${RESOURCES} resources; the mix: ${MIX.map((m) => m.tool).join(', ')}, in turn`]);
  info.push(...machineRows(hostSpeed));
  for (const [k, v] of info) console.log(`${k.padEnd(36)} ${v}`);
}

// Measured first, on the still idle machine: how fast this host is, so runs on other hosts compare.
const hostSpeed = hostSpeedMicros();
const gateway = await startBenchGateway();
try {
  const runs: EraRun[] = [];
  for (const era of erasFromEnv()) {
    console.error(`${era}: ${CLIENTS} clients for ${WARMUP_SECONDS} + ${SECONDS} s ...`);
    runs.push(await runEra(era, gateway));
  }
  printTable(runs);
  for (const era of erasFromEnv()) {
    const { sorted, missing, why } = await firstProgress(era, gateway.url, PROGRESS_SAMPLES);
    console.log(`${`${era} first progress`.padEnd(36)} p50 ${ms(percentile(sorted, 50))} ms, max ${ms(sorted.at(-1) ?? NaN)} ms over ` +
      `${sorted.length} forced check_tag_compliance calls${missing ? `, ${missing} without one (${why})` : ''} (target <= 300 ms)`);
  }
  if (runs.some((r) => [...r.byTool.values()].some((f) => f.calls === 0))) process.exitCode = 1;
} finally {
  await gateway.stop();
}
