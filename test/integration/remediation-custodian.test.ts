// generate_custodian_policy against the real engine: every generated file passes
// `custodian validate`, and `custodian run --dryrun` against moto selects exactly the resources
// the scan found non-compliant, per type, never-tagged ones included.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustodianPolicy } from '../../mcp-gateway/tools/generate-custodian-policy.js';
import { REPO_ROOT } from '../../worker/temporal-cli.js';
import { DEFAULT_ROLE_NAME, MANAGEMENT_ACCOUNT } from '../support/aws-seed.js';
import { REGION, SCOPE_ARGS, startRemediationScan, type RemediationScan } from '../support/remediation-scan.js';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, '.venv-tools', 'bin');
const TOOL = 'generate_custodian_policy';

/** The ARN of a resource record Custodian wrote, by the policy's resource. */
function arnOf(resource: string, r: Record<string, any>): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  switch (resource) {
    case 'aws.ec2': return `arn:aws:ec2:${REGION}:${MANAGEMENT_ACCOUNT}:instance/${r.InstanceId}`;
    case 'aws.ebs': return `arn:aws:ec2:${REGION}:${MANAGEMENT_ACCOUNT}:volume/${r.VolumeId}`;
    case 'aws.s3': return `arn:aws:s3:::${r.Name}`;
    case 'aws.rds': return r.DBInstanceArn;
    case 'aws.lambda': return r.FunctionArn;
    case 'aws.dynamodb-table': return r.TableArn;
    default: throw new Error(`no ARN rule for ${resource}`);
  }
}

describe('generate_custodian_policy on a moto scan', () => {
  let scan: RemediationScan;
  let dir: string;

  beforeAll(async () => {
    scan = await startRemediationScan([generateCustodianPolicy]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'custodian-'));
  }, 180_000);

  afterAll(async () => {
    await scan?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function validate(file: string): Promise<void> {
    const { stderr } = await run(path.join(BIN, 'custodian'), ['validate', file], { env: { ...process.env, ...scan.awsEnv } });
    expect(stderr).toContain('Configuration valid');
  }

  /** Resources each policy selected in a dry run against moto, as ARNs, by policy name. */
  async function dryRun(file: string, out: string): Promise<Map<string, string[]>> {
    // No resource cache: an earlier run's moto resources must not answer for this one's.
    await run(path.join(BIN, 'custodian'), ['run', '--dryrun', '--cache-period', '0', '--region', REGION, '-s', out, file],
      { env: { ...process.env, ...scan.awsEnv }, timeout: 120_000 });
    const doc = parse(await readFile(file, 'utf8')) as { policies: { name: string; resource: string }[] };
    const selected = new Map<string, string[]>();
    for (const p of doc.policies) {
      const records = JSON.parse(await readFile(path.join(out, p.name, 'resources.json'), 'utf8')) as Record<string, unknown>[];
      selected.set(p.name, records.map((r) => arnOf(p.resource, r)).sort());
    }
    return selected;
  }

  it('audits exactly the non-compliant resources of each type, never-tagged included, and passes validate', async () => {
    const { structured } = await scan.call(TOOL, SCOPE_ARGS);
    expect(structured.status).toBe('completed');
    const file = path.join(dir, 'audit.yml');
    await writeFile(file, structured.policy_yaml);
    await validate(file);
    const accounts = path.join(dir, 'accounts.yml');
    await writeFile(accounts, structured.accounts_yaml);
    expect(parse(structured.accounts_yaml)).toEqual({ accounts: [{ account_id: MANAGEMENT_ACCOUNT, name: `account-${MANAGEMENT_ACCOUNT}`,
      regions: [REGION], role: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/${DEFAULT_ROLE_NAME}` }] });
    expect(structured.notes.join(' ')).toMatch(/management account/);

    const selected = await dryRun(file, path.join(dir, 'out-audit'));
    const policies = structured.policies as { name: string; resource_type: string; purpose: string; resources_in_scan: number }[];
    const types = [...new Set(scan.rows.filter((r) => !r.compliant).map((r) => r.resourceType))].sort();
    expect(policies.map((p) => p.resource_type).sort()).toEqual(types);
    expect(types.length).toBeGreaterThanOrEqual(5); // rds:db may be compliant in the seeded cell
    for (const p of policies) {
      expect(p.purpose).toBe('audit');
      const expected = scan.rows.filter((r) => r.resourceType === p.resource_type && !r.compliant).map((r) => r.resourceId).sort();
      // The seeder knows which were never tagged: they must be among them.
      const neverTagged = scan.org.resources.filter((r) => r.type === p.resource_type && r.variant === 'never_tagged').map((r) => r.arn);
      expect(expected).toEqual(expect.arrayContaining(neverTagged));
      expect(selected.get(p.name), p.name).toEqual(expected);
      expect(p.resources_in_scan).toBe(expected.length);
    }
  }, 300_000);

  it('narrows to violation types and tag keys, still matching the scan exactly', async () => {
    const { structured } = await scan.call(TOOL, { scan_id: scan.scanWorkflowId, resource_types: ['ec2:*', 's3:bucket'],
      violation_types: ['invalid_value', 'wrong_key_case'], target_tags: ['Environment'] });
    const file = path.join(dir, 'narrow.yml');
    await writeFile(file, structured.policy_yaml);
    await validate(file);
    const selected = await dryRun(file, path.join(dir, 'out-narrow'));
    const hasFinding = (v: unknown[]) => (v as { kind: string; tag: string; severity: string }[])
      .some((f) => f.severity === 'error' && f.tag === 'Environment' && ['invalid_value', 'wrong_key_case'].includes(f.kind));
    const policies = structured.policies as { name: string; resource_type: string }[];
    expect(policies.map((p) => p.resource_type).sort()).toEqual(['ec2:instance', 'ec2:volume', 's3:bucket'].filter((t) =>
      scan.rows.some((r) => r.resourceType === t && !r.compliant && hasFinding(r.violations))));
    for (const p of policies) {
      const expected = scan.rows.filter((r) => r.resourceType === p.resource_type && !r.compliant && hasFinding(r.violations))
        .map((r) => r.resourceId).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(selected.get(p.name), p.name).toEqual(expected);
    }
  }, 300_000);

  it('writes fix policies outside dry run: tag with suggestions, placeholders, rename-tag; periodic mode validates', async () => {
    const bad = scan.rows.filter((r) => r.resourceType === 'ec2:instance' && !r.compliant);
    const missingOwner = bad.filter((r) => (r.violations as { kind: string; tag: string }[])
      .some((f) => f.kind === 'missing_required_tag' && f.tag === 'Owner'));
    expect(missingOwner.length).toBeGreaterThan(1);
    const suggested = missingOwner[0]!;
    const { structured } = await scan.call(TOOL, { scan_id: scan.scanWorkflowId, resource_types: ['ec2:instance'], dry_run: false,
      suggestions: { [suggested.resourceId]: { Owner: 'owner.fix@example.com' } } });
    const file = path.join(dir, 'fix.yml');
    await writeFile(file, structured.policy_yaml);
    await validate(file);
    const doc = parse(structured.policy_yaml) as { policies: { name: string; actions: Record<string, unknown>[] }[] };
    const owner = doc.policies.filter((p) => p.actions[0]!.type === 'tag' && p.actions[0]!.key === 'Owner');
    expect(owner.map((p) => p.actions[0]!.value).sort()).toEqual(['<set Owner>', 'owner.fix@example.com']);
    expect(doc.policies.some((p) => p.actions[0]!.type === 'rename-tag' && p.actions[0]!.old_key === 'environment')).toBe(true);
    expect(doc.policies.every((p) => !p.actions.some((a) => a.type === 'mark-for-op'))).toBe(true);

    // The Owner policies split the resources missing Owner: the suggested one, and the rest.
    const selected = await dryRun(file, path.join(dir, 'out-fix'));
    const bySuggestion = owner.find((p) => p.actions[0]!.value === 'owner.fix@example.com')!;
    const byPlaceholder = owner.find((p) => p.actions[0]!.value === '<set Owner>')!;
    expect(selected.get(bySuggestion.name)).toEqual([suggested.resourceId]);
    const ownerBad = bad.filter((r) => (r.violations as { tag: string; kind: string }[]).some((f) => f.tag === 'Owner' && f.kind !== 'wrong_key_case'));
    expect(selected.get(byPlaceholder.name)).toEqual(ownerBad.map((r) => r.resourceId).filter((id) => id !== suggested.resourceId).sort());

    const periodic = await scan.call(TOOL, { ...SCOPE_ARGS, mode: 'periodic', schedule: 'cron(0 2 * * ? *)' });
    const periodicFile = path.join(dir, 'periodic.yml');
    await writeFile(periodicFile, periodic.structured.policy_yaml);
    await validate(periodicFile);
    expect((parse(periodic.structured.policy_yaml) as { policies: { mode: unknown }[] }).policies[0]!.mode)
      .toEqual({ type: 'periodic', schedule: 'cron(0 2 * * ? *)', role: 'arn:aws:iam::{account_id}:role/CloudCustodianRole' });
    expect(await scan.callError(TOOL, { ...SCOPE_ARGS, mode: 'periodic', schedule: 'every full moon' })).toMatch(/invalid schedule/);
  }, 300_000);

  it('runs across the accounts file with c7n-org, matching the same resources', async () => {
    const { structured } = await scan.call(TOOL, SCOPE_ARGS);
    const policyFile = path.join(dir, 'org-policy.yml');
    const accountsFile = path.join(dir, 'org-accounts.yml');
    await writeFile(policyFile, structured.policy_yaml);
    await writeFile(accountsFile, structured.accounts_yaml);
    const out = path.join(dir, 'out-org');
    await run(path.join(BIN, 'c7n-org'), ['run', '--dryrun', '--cache-period', '0', '-c', accountsFile, '-u', policyFile, '-s', out],
      { env: { ...process.env, ...scan.awsEnv }, timeout: 180_000 });
    // c7n-org writes <out>/<account name>/<region>/<policy>/resources.json.
    const base = path.join(out, `account-${MANAGEMENT_ACCOUNT}`, REGION);
    expect((await readdir(base)).sort()).toEqual((structured.policies as { name: string }[]).map((p) => p.name).sort());
    for (const p of structured.policies as { name: string; resource: string; resource_type: string }[]) {
      const records = JSON.parse(await readFile(path.join(base, p.name, 'resources.json'), 'utf8')) as Record<string, unknown>[];
      const expected = scan.rows.filter((r) => r.resourceType === p.resource_type && !r.compliant).map((r) => r.resourceId).sort();
      expect(records.map((r) => arnOf(p.resource, r)).sort(), p.name).toEqual(expected);
    }
  }, 300_000);
});
