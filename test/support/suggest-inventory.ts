// A small inventory with known answers for the tag-suggestion tests: three teams, each in its own
// account and VPC with one naming convention and one set of tags, and a shared VPC where two
// teams' resources mix and nothing in the name tells them apart.
import type { ResourceContext } from '../../core/resource.js';
import type { ScanResourceRow } from '../../core/scan.js';

export const SUGGEST_POLICY = {
  version: 'suggest-test',
  required_tags: [
    { name: 'Environment', allowed_values: ['production', 'staging', 'development'], applies_to: ['ec2:instance', 'lambda:function'] },
    // Databases may not be development: the policy narrows the values for this type.
    { name: 'Environment', allowed_values: ['production', 'staging'], applies_to: ['rds:db'] },
    { name: 'CostCenter', validation_regex: '^CC-[0-9]{4}$', applies_to: [] },
    { name: 'Owner', applies_to: [] },
  ],
};

export interface Team {
  account: string;
  vpc: string;
  name: (i: number) => string;
  tags: Record<string, string>;
}

export const PAYMENTS: Team = { account: '111111111111', vpc: 'vpc-pay', name: (i) => `checkout-prod-api-${i}`,
  tags: { Environment: 'production', CostCenter: 'CC-1010', Owner: 'payments@acme.example' } };
export const SEARCH: Team = { account: '222222222222', vpc: 'vpc-srch', name: (i) => `search-stg-web-${i}`,
  tags: { Environment: 'staging', CostCenter: 'CC-2020', Owner: 'search@acme.example' } };
export const SANDBOX: Team = { account: '333333333333', vpc: 'vpc-dev', name: (i) => `sandboxDevBox${i}`,
  tags: { Environment: 'development', CostCenter: 'CC-3030', Owner: 'dev@acme.example' } };
export const SHARED = { account: '444444444444', vpc: 'vpc-mix' };

export function row(opts: { type?: string; account: string; vpc?: string; name: string; tags: Record<string, string>; compliant?: boolean;
  region?: string; id?: string }): ScanResourceRow {
  const type = opts.type ?? 'ec2:instance';
  const region = opts.region ?? 'us-east-1';
  const resourceId = opts.id ?? (type === 'rds:db'
    ? `arn:aws:rds:${region}:${opts.account}:db:${opts.name}`
    : `arn:aws:ec2:${region}:${opts.account}:instance/i-${opts.name.replace(/[^a-z0-9]/gi, '')}`);
  const context: ResourceContext | null = opts.vpc ? { vpc: opts.vpc, securityGroups: [`sg-${opts.vpc.slice(4)}`] } : null;
  return { resourceId, cloud: 'aws', account: opts.account, region, resourceType: type, name: opts.name, tags: opts.tags,
    compliant: opts.compliant ?? true, violations: [], context };
}

/** 12 instances and 3 databases per team, and 12 instances in the shared VPC split between payments and search. */
export function suggestInventory(): ScanResourceRow[] {
  const rows: ScanResourceRow[] = [];
  for (const team of [PAYMENTS, SEARCH, SANDBOX]) {
    for (let i = 1; i <= 12; i++) rows.push(row({ account: team.account, vpc: team.vpc, name: team.name(i), tags: team.tags }));
    if (team !== SANDBOX) {
      for (let i = 1; i <= 3; i++) rows.push(row({ type: 'rds:db', account: team.account, vpc: team.vpc, name: `${team.name(i)}-db`, tags: team.tags }));
    }
  }
  for (let i = 1; i <= 12; i++) {
    rows.push(row({ account: SHARED.account, vpc: SHARED.vpc, name: `shared-svc-${i}`, tags: (i % 2 ? PAYMENTS : SEARCH).tags }));
  }
  return rows;
}
