// What the young generation keeps per scavenge under the MCP SDK's per-request work, on the
// installed zod. Garbage of a failing zod 4.6 safeParse (4.1 and 4.3 too; not 4.5.4) outlives
// scavenges and is promoted, filling the old generation; the SDK's per-request path makes such
// parses on every message. Each workload runs in its own process under --trace-gc-nvp; the figures
// are V8's own: bytes surviving each scavenge and bytes promoted. Prints figures only (README,
// bench:gateway). BENCH_SECONDS (4) per workload; BENCH_SEMI_SPACE_MB (64, as deployed).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = process.env.BENCH_SECONDS ?? '4';
const SEMI_SPACE_MB = process.env.BENCH_SEMI_SPACE_MB ?? '64';
const SCENARIOS = ['zod-failing-parse', 'zod-passing-parse', 'sdk-2026-tools-call'];
const here = path.dirname(fileURLToPath(import.meta.url));

interface Scavenges { count: number; pauseMs: number; survivedMb: number; promotedMb: number }

/** Means over the last three quarters of the scavenges: the first ones fall in start-up (module loading, compiling). */
function scavengesOf(trace: string): Scavenges {
  const rows = trace.split('\n').filter((line) => / gc=s /.test(line)).map((line) => {
    const field = (key: string) => Number(new RegExp(`\\b${key}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
    return { pause: field('pause'), survived: field('new_space_survived'), promoted: field('promoted') };
  });
  const steady = rows.slice(Math.floor(rows.length / 4));
  const mean = (pick: (r: (typeof rows)[number]) => number) => steady.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, steady.length);
  return { count: rows.length, pauseMs: mean((r) => r.pause), survivedMb: mean((r) => r.survived) / 1e6, promotedMb: mean((r) => r.promoted) / 1e6 };
}

function run(scenario: string): { callsPerSecond: number; scavenges: Scavenges } {
  const trace = execFileSync(process.execPath, [`--max-semi-space-size=${SEMI_SPACE_MB}`, '--trace-gc-nvp', '--import', 'tsx',
    path.join(here, 'young-gc', 'scenario.ts'), scenario, SECONDS], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { callsPerSecond: Number(/^calls\/s (\d+)$/m.exec(trace)?.[1] ?? NaN), scavenges: scavengesOf(trace) };
}

const require = createRequire(import.meta.url);
const zodVersion = (require('zod/package.json') as { version: string }).version;
process.stdout.write(`node ${process.version}, zod ${zodVersion}, --max-semi-space-size=${SEMI_SPACE_MB}, ${SECONDS} s per workload\n`);
process.stdout.write(`${'workload'.padEnd(22)} ${'calls/s'.padStart(9)} ${'scavenges'.padStart(9)} ${'pause'.padStart(9)} ${'survived'.padStart(10)} ${'promoted'.padStart(10)}  (per scavenge)\n`);
for (const scenario of SCENARIOS) {
  const { callsPerSecond, scavenges: s } = run(scenario);
  process.stdout.write(`${scenario.padEnd(22)} ${callsPerSecond.toLocaleString('en-US').padStart(9)} ${String(s.count).padStart(9)} ` +
    `${s.pauseMs.toFixed(1).padStart(6)} ms ${s.survivedMb.toFixed(2).padStart(7)} MB ${s.promotedMb.toFixed(2).padStart(7)} MB\n`);
}
