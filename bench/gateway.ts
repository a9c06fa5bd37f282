// Latency of a cached check_tag_compliance under load: 50 concurrent MCP clients over Streamable
// HTTP against the real gateway process, for 30 s per protocol era after 5 s of warm-up: 2025-11-25
// (a session per client) and 2026-07-28 (stateless requests, the call guard counted in PostgreSQL). Prints p50,
// p99 and errors per era, and the CPU time each call cost the gateway, its database backends and the
// bench's clients (Linux /proc; a figure the machine's other load disturbs far less than latency).
// BENCH_GATEWAY_REPLICAS=2 runs two gateway processes on the one Temporal and database and spreads
// the clients over them (their CPU is summed). Asserts nothing about time. bench/load.ts mixes tools
// over a longer run.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { hostSpeedMicros } from './machine.js';
import { cpuSpent, ERAS, erasFromEnv, machineRows, percentile, RESOURCES, SCOPE, startBenchGateway, type CpuMs, type Era } from './gateway/serve.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** The targets for the cached check under 50 clients: issue 9's (each protocol era), and issue 16's. */
const P99_TARGETS_MS = [100, 50];

interface EraRun { era: string; calls: number; p50: number; p99: number; max: number; errors: number; cpu: CpuMs | undefined }

/** SESSIONS clients of one era calling the cached check for WARMUP_SECONDS, then SECONDS timed. */
async function runEra(urls: URL[], era: Era, cpu: () => Promise<Map<string, number> | undefined>): Promise<EraRun> {
  // With several replicas, client i talks to replica i mod n for its whole life, as a load balancer
  // routing by Mcp-Session-Id (2025-11-25) or by connection (2026-07-28) would.
  const clients = await Promise.all(Array.from({ length: SESSIONS }, async (_, i) => {
    const client = new Client({ name: 'bench', version: '1.0.0' }, ERAS[era]);
    await client.connect(new StreamableHTTPClientTransport(urls[i % urls.length]!));
    if (client.getProtocolEra() !== (era === '2026-07-28' ? 'modern' : 'legacy')) throw new Error(`client did not speak ${era}`);
    return client;
  }));
  const latencies: number[] = [];
  let errors = 0;
  // Calls during the warm-up run alike but are not timed: the first seconds of each era pay for JIT
  // compilation of its code paths and the database's first plans, once per process, not per call.
  const measureFrom = performance.now() + WARMUP_SECONDS * 1000;
  const end = measureFrom + SECONDS * 1000;
  const cpuBefore = new Promise<Map<string, number> | undefined>((resolve) => {
    setTimeout(() => resolve(cpu()), WARMUP_SECONDS * 1000);
  });
  await Promise.all(clients.map(async (client) => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const result = await client.callTool({ name: 'check_tag_compliance', arguments: { ...SCOPE, limit: 50 } });
        const cached = (result.structuredContent as { scan?: { cached?: boolean } } | undefined)?.scan?.cached;
        if (result.isError || cached !== true) errors++;
      } catch {
        errors++;
      }
      if (started >= measureFrom) latencies.push(performance.now() - started);
    }
  }));
  const cpuAfter = await cpu();
  await Promise.allSettled(clients.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return {
    era, calls: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, errors,
    cpu: cpuSpent(await cpuBefore, cpuAfter),
  };
}

function perCall(ms: number, calls: number): string {
  return `${((ms / Math.max(1, calls)) * 1000).toFixed(0)} µs`;
}

async function main(): Promise<void> {
  // Measured first, on the still idle machine: how fast this host is, so runs on other hosts compare.
  const hostSpeed = hostSpeedMicros();
  const gateway = await startBenchGateway();
  try {
    const runs: EraRun[] = [];
    // BENCH_ERAS=2026-07-28 runs one era only (profiling one path at a time).
    for (const era of erasFromEnv()) runs.push(await runEra(gateway.urls, era, gateway.cpu));
    const rows: [string, string][] = [
      ['clients', `${SESSIONS} per era`],
      ['duration', `${SECONDS} s per era, after ${WARMUP_SECONDS} s of warm-up calls (not timed)`],
      ...runs.flatMap((r): [string, string][] => [
        [`${r.era} calls`, `${r.calls.toLocaleString('en-US')} (${(r.calls / SECONDS).toFixed(0)} calls/s)`],
        [`${r.era} p50`, `${r.p50.toFixed(1)} ms`],
        [`${r.era} p99`, `${r.p99.toFixed(1)} ms  (${P99_TARGETS_MS.map((t) => `<= ${t} ms: ${r.p99 <= t ? 'met' : 'missed'}`).join('; ')})`],
        [`${r.era} max`, `${r.max.toFixed(1)} ms`],
        [`${r.era} errors`, `${r.errors}  (target 0; warm-up included)`],
        ...(r.cpu ? [[`${r.era} CPU/call`, `gateway ${perCall(r.cpu.gateway, r.calls)}, database ${perCall(r.cpu.database, r.calls)}, ` +
          `bench clients ${perCall(r.cpu.bench, r.calls)}`] as [string, string]] : []),
      ]),
      ['gateway replicas', `${gateway.urls.length} (BENCH_GATEWAY_REPLICAS), one Temporal and one database`],
      ['gateway flags', `${gateway.nodeArgs.join(' ') || '(none)'}; code ${gateway.code}`],
      ['gateway node', gateway.node],
      ['cached scan', `${RESOURCES} resources, 50 violations per page`],
      ...machineRows(hostSpeed),
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(20)} ${v}\n`);
  } finally {
    await gateway.stop();
  }
}

await main();
