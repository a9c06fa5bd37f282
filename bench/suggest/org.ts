// A synthetic but realistic organisation inventory for bench:suggest: teams owning applications,
// per-team production and non-production accounts plus a shared account, a VPC per account and
// environment, subnets per tier, security groups per application, naming conventions that differ
// by team (kebab, snake, camelCase, with or without the environment), abbreviations, and a share
// of values no context can predict (people's own addresses, one-off projects, mislabels).
import type { ResourceContext } from '../../core/resource.js';
import type { ScanResourceRow } from '../../core/scan.js';

export const REQUIRED_TAGS = ['Environment', 'Application', 'Owner', 'CostCenter'] as const;
export type BenchTag = (typeof REQUIRED_TAGS)[number];

export const BENCH_POLICY = {
  version: 'bench-suggest',
  required_tags: [
    { name: 'Environment', allowed_values: ['production', 'staging', 'development', 'test'], applies_to: [] },
    { name: 'Application', applies_to: [] },
    { name: 'Owner', validation_regex: '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', applies_to: [] },
    { name: 'CostCenter', validation_regex: '^CC-[0-9]{4}$', applies_to: [] },
  ],
};

/** A resource with its true tags, and which of them no context could predict. */
export interface OrgResource {
  row: ScanResourceRow;
  unpredictable: Set<BenchTag>;
}

const ENV_WORDS: Record<string, string[]> = {
  production: ['prod', 'prd', 'live', 'production'],
  staging: ['stg', 'stage', 'uat', 'preprod'],
  development: ['dev', 'develop', 'sandbox'],
  test: ['test', 'qa', 'tst'],
};
const ENVS = ['production', 'staging', 'development', 'test'] as const;
const ROLES = ['api', 'web', 'worker', 'db', 'cache', 'queue', 'batch', 'cron', 'store', 'svc'];

const TEAMS = [
  { team: 'payments', cc: 'CC-1010', apps: ['checkout', 'ledger', 'refunds'], region: 'us-east-1' },
  { team: 'search', cc: 'CC-1020', apps: ['indexer', 'query', 'catalog'], region: 'us-east-1' },
  { team: 'identity', cc: 'CC-1030', apps: ['auth', 'sso', 'profile'], region: 'eu-west-1' },
  { team: 'data', cc: 'CC-4000', apps: ['etl', 'warehouse', 'reporting'], region: 'us-west-2' },
  { team: 'ml', cc: 'CC-4000', apps: ['training', 'inference', 'features'], region: 'us-west-2' },
  { team: 'platform', cc: 'CC-2000', apps: ['gateway', 'logging', 'monitoring', 'ci'], region: 'us-east-1' },
  { team: 'mobile', cc: 'CC-3010', apps: ['push', 'bff'], region: 'eu-west-1' },
  { team: 'growth', cc: 'CC-3020', apps: ['campaigns', 'recs', 'referrals'], region: 'us-east-1' },
];
const CONVENTIONS = ['kebab', 'snake', 'camel', 'team-prefix'] as const;

/** Deterministic: the same seed gives the same organisation. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateOrg(size: number, seed = 42): OrgResource[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const accountId = () => String(100000000000 + Math.floor(random() * 899999999999));
  const shared = accountId();
  const sharedVpc: Record<string, string> = Object.fromEntries(ENVS.map((e) => [e, `vpc-${hex(8)}`]));

  const teams = TEAMS.map((t, i) => {
    const prod = accountId();
    const nonprod = accountId();
    const vpcs: Record<string, string> = Object.fromEntries(ENVS.map((e) => [e, `vpc-${hex(8)}`]));
    const subnets: Record<string, string[]> = Object.fromEntries(ENVS.map((e) => [e, [hex(8), hex(8), hex(8)].map((h) => `subnet-${h}`)]));
    const apps = t.apps.map((app, j) => ({
      app,
      owner: j % 2 === 0 ? `${t.team}-team@acme.example` : `${app}-owners@acme.example`,
      alias: app.length > 5 ? app.slice(0, 3) : app,
      sgs: Object.fromEntries(ENVS.map((e) => [e, `sg-${hex(8)}`])) as Record<string, string>,
    }));
    return { ...t, prod, nonprod, vpcs, subnets, apps, convention: CONVENTIONS[i % CONVENTIONS.length]! };
  });

  const out: OrgResource[] = [];
  const ids = new Set<string>();
  const people = Array.from({ length: 40 }, (_, i) => `person${i}@acme.example`);
  for (let i = 0; i < size; i++) {
    const team = pick(teams);
    const app = pick(team.apps);
    const env = random() < 0.45 ? 'production' : pick(ENVS);
    const inShared = random() < 0.1;
    const account = inShared ? shared : env === 'production' ? team.prod : team.nonprod;
    const region = random() < 0.85 ? team.region : pick(['us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2']);
    const vpc = inShared ? sharedVpc[env]! : team.vpcs[env]!;
    const role = pick(ROLES);
    const type = pick(['ec2:instance', 'ec2:instance', 'ec2:volume', 'rds:db', 'lambda:function', 's3:bucket', 'dynamodb:table']);
    const envWord = pick(ENV_WORDS[env]!);
    const appWord = random() < 0.15 ? app.alias : app.app;
    const n = String(1 + Math.floor(random() * 30)).padStart(2, '0');
    // One resource in five is named without its environment (a convention, or a hurried name).
    const withEnv = team.convention !== 'team-prefix' && random() > 0.2;
    const name = nameOf(team.convention, team.team, appWord, withEnv ? envWord : null, role, n);

    const tags: Record<string, string> = { Environment: env, Application: app.app, Owner: app.owner, CostCenter: team.cc };
    const unpredictable = new Set<BenchTag>();
    if (random() < 0.08) { tags.Owner = pick(people); unpredictable.add('Owner'); }
    if (random() < 0.03) { tags.Application = `poc-${hex(4)}`; unpredictable.add('Application'); }
    if (random() < 0.03) { tags.Environment = pick(ENVS.filter((e) => e !== env)); unpredictable.add('Environment'); }
    if (random() < 0.03) { tags.CostCenter = `CC-${9000 + Math.floor(random() * 99)}`; unpredictable.add('CostCenter'); }
    if (random() < 0.3) tags.ManagedBy = pick(['terraform', 'cloudformation', 'console']);
    if (random() < 0.5 && type !== 'ec2:volume') tags.Name = name;
    const nameHasEnv = withEnv;

    let resourceId: string;
    let context: ResourceContext | undefined;
    let rowName: string | null = name;
    const sg = app.sgs[env]!;
    const subnet = pick(team.subnets[env]!).replace(/^subnet-/, inShared ? 'subnet-s' : 'subnet-');
    switch (type) {
      case 'ec2:instance':
        resourceId = `arn:aws:ec2:${region}:${account}:instance/i-0${hex(16)}`;
        context = { vpc, subnet, securityGroups: random() < 0.3 ? [sg, `sg-default-${vpc.slice(4)}`] : [sg] };
        rowName = tags.Name ?? null;
        break;
      case 'ec2:volume':
        // Volumes carry their instance's Name tag about half the time, and no network of their own.
        resourceId = `arn:aws:ec2:${region}:${account}:volume/vol-0${hex(16)}`;
        if (random() < 0.5) tags.Name = name;
        rowName = tags.Name ?? null;
        break;
      case 'rds:db':
        resourceId = `arn:aws:rds:${region}:${account}:db:${name}`;
        context = { vpc, securityGroups: [sg] };
        break;
      case 'lambda:function':
        resourceId = `arn:aws:lambda:${region}:${account}:function:${name}`;
        if (random() < 0.5) context = { vpc, subnet, securityGroups: [sg] };
        break;
      case 's3:bucket':
        resourceId = `arn:aws:s3:::acme-${name.toLowerCase().replace(/_/g, '-')}-${hex(4)}`;
        break;
      default:
        resourceId = `arn:aws:dynamodb:${region}:${account}:table/${name}`;
    }
    // What no signal can tell: a nameless volume's application and owner; the environment of a
    // resource with no environment word and no VPC outside a production account.
    if (rowName === null && !context) { unpredictable.add('Application'); unpredictable.add('Owner'); }
    if (!(rowName !== null && nameHasEnv) && !context?.vpc && (inShared || env !== 'production')) unpredictable.add('Environment');
    if (rowName === null && !context && inShared) unpredictable.add('CostCenter');
    // Names repeat across a big organisation; ARNs may not: a repeated one gets a suffix, as a second deploy would.
    if (ids.has(resourceId)) resourceId += `-${i.toString(36)}`;
    ids.add(resourceId);
    out.push({
      row: { resourceId, cloud: 'aws', account, region, resourceType: type, name: rowName, tags, compliant: true, violations: [], context: context ?? null },
      unpredictable,
    });
  }
  return out;
}

function nameOf(convention: (typeof CONVENTIONS)[number], team: string, app: string, env: string | null, role: string, n: string): string {
  const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
  switch (convention) {
    case 'kebab': return [app, env, role, n].filter(Boolean).join('-');
    case 'snake': return [env, app, role + n].filter(Boolean).join('_');
    case 'camel': return app + (env ? cap(env) : '') + cap(role) + n;
    case 'team-prefix': return [team, app, role, n].join('-');
  }
}
