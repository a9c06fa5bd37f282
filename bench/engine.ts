// Evaluation throughput of the compliance engine on one core: how many resources a shard
// activity can check per second once the cloud API has returned them. Prints figures only.
import v8 from 'node:v8';
import vm from 'node:vm';
import { evaluate } from '../core/compliance/index.js';
import { compilePolicy, parsePolicy } from '../core/policy/index.js';
import type { Resource } from '../core/resource.js';
import { cpuDescription } from './machine.js';

const N = Number(process.env.BENCH_N ?? 1_000_000);
const RUNS = 5;

// A full collection before each run keeps the garbage of generating 1M resources from being
// collected inside a timed run (the script is started as plain `tsx`, without --expose-gc).
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const policy = parsePolicy({
  version: 'bench',
  required_tags: [
    { name: 'Owner', validation_regex: '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', applies_to: ['ec2:*', 'rds:db', 's3:bucket', 'lambda:function'] },
    { name: 'Environment', allowed_values: ['production', 'staging', 'development', 'test'], applies_to: [] },
    { name: 'CostCenter', validation_regex: '^CC-[0-9]{4}$', applies_to: ['ec2:*', 'rds:*'] },
    { name: 'Application', applies_to: ['ec2:instance', 'lambda:function', 's3:bucket', 'dynamodb:table'] },
    { name: 'DataClassification', allowed_values: ['public', 'internal', 'confidential'], applies_to: ['s3:bucket', 'rds:db'], severity: 'warning' },
  ],
  optional_tags: [{ name: 'Team', allowed_values: ['platform', 'data', 'payments', 'growth'] }],
});
const RULES = policy.required_tags.length + policy.optional_tags.length;

const TYPES = ['ec2:instance', 'ec2:instance', 'ec2:volume', 's3:bucket', 'rds:db', 'lambda:function', 'dynamodb:table'];
const ENVS = ['production', 'staging', 'development', 'test'];
const TEAMS = ['platform', 'data', 'payments', 'growth'];
const CLASSES = ['public', 'internal', 'confidential'];

// Deterministic, so every run measures the same mix.
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

/** ~10 tags; 60% compliant, the rest missing, bad values, bad formats or keys in another case. */
function syntheticResource(i: number): Resource {
  const type = TYPES[i % TYPES.length]!;
  const roll = random();
  const entries: [string, string][] = [
    ['Name', `res-${i}`],
    ['Owner', roll >= 0.85 && roll < 0.9 ? `owner ${i}` : `owner${i % 5000}@example.com`],
    ['Environment', roll >= 0.75 && roll < 0.85 ? pick(['prod', 'Production', 'qa']) : pick(ENVS)],
    ['CostCenter', `CC-${1000 + (i % 9000)}`],
    ['Application', `app-${i % 300}`],
    ['DataClassification', pick(CLASSES)],
    ['Team', pick(TEAMS)],
    ['aws:cloudformation:stack-name', `stack-${i % 700}`],
    ['CreatedBy', 'terraform'],
    ['Project', `proj-${i % 90}`],
  ];
  if (roll >= 0.6 && roll < 0.75) {
    const missing = pick(['Owner', 'Environment', 'CostCenter', 'Application']);
    entries.splice(entries.findIndex(([key]) => key === missing), 1);
  } else if (roll >= 0.9) {
    entries[2]![0] = 'environment';
  }
  // Built like JSON.parse builds objects (no deletes), so shapes are what a scanner produces.
  const tags = Object.fromEntries(entries);
  return { cloud: 'aws', account: '123456789012', region: 'eu-west-1', type, id: `arn:aws:${type}:${i}`, tags };
}

function timeRun(resources: Resource[]): { ns: number; compliant: number } {
  const compiled = compilePolicy(policy);
  let compliant = 0;
  collectGarbage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < resources.length; i++) {
    if (evaluate(compiled, resources[i]!).compliant) compliant++;
  }
  return { ns: Number(process.hrtime.bigint() - start), compliant };
}

const resources = Array.from({ length: N }, (_, i) => syntheticResource(i));
timeRun(resources.slice(0, Math.min(N, 200_000))); // warm-up: let the JIT settle first
const runs = Array.from({ length: RUNS }, () => timeRun(resources)).sort((a, b) => a.ns - b.ns);
const median = runs[Math.floor(RUNS / 2)]!;
const best = runs[0]!;
const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;

const rows: [string, string][] = [
  ['evaluations/s (median)', Math.round((N / median.ns) * 1e9).toLocaleString('en-US')],
  ['evaluations/s (best)', Math.round((N / best.ns) * 1e9).toLocaleString('en-US')],
  ['ns/eval (median)', (median.ns / N).toFixed(1)],
  ['N resources', N.toLocaleString('en-US')],
  ['compliant', `${median.compliant.toLocaleString('en-US')} (${((median.compliant / N) * 100).toFixed(1)}%)`],
  ['rules', `${RULES} (${policy.required_tags.length} required, ${policy.optional_tags.length} optional)`],
  ['timed runs', String(RUNS)],
  ['node', process.version],
  ['cpu', cpuDescription()],
  ['heap used', `${heapMiB.toFixed(0)} MiB`],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
