// Custodian policy generation without a cloud: every resource type we map passes
// `custodian validate` in both modes, and the filters' regex and case handling are as documented.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/compliance/index.js';
import { compilePolicy } from '../../../core/policy/compile.js';
import type { ScanResourceRow } from '../../../core/scan.js';
import { CUSTODIAN_RESOURCES } from '../../../core/remediation/custodian-resources.js';
import { pythonRegex } from '../../../core/remediation/custodian-filters.js';
import { generateCustodianPolicies, type CustodianOptions } from '../../../core/remediation/custodian.js';
import { aPolicy, aResource, aRule, repoRoot } from '../builders.js';

const run = promisify(execFile);
const CUSTODIAN = path.join(repoRoot, '.venv-tools', 'bin', 'custodian');
const BASE: CustodianOptions = { dryRun: true, graceDays: 3, notify: { to: ['ops@example.com'], queue: 'https://sqs.us-east-1.amazonaws.com/1/q' },
  roleName: 'Audit', scanId: 'scan-unit' };

async function* iterate(rows: ScanResourceRow[]) { yield* rows; }

describe('generateCustodianPolicies', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'custodian-unit-')); });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  const policy = aPolicy({
    caseSensitive: false,
    required: [aRule('Owner', { validation_regex: '^(?<user>[a-z]+)@(?<host>[a-z.]+)$' }), aRule('Cost Center', { allowed_values: ['CC-1'] })],
  });
  const compiled = compilePolicy(policy);
  const rowsOfEveryType = Object.keys(CUSTODIAN_RESOURCES).flatMap((type, i) => ([{}, { owner: 'x', 'COST CENTER': 'CC-2' }] as Record<string, string>[]).map((tags, j): ScanResourceRow => {
    const id = `arn:aws:${type.split(':')[0]}:us-east-1:123456789012:${type.split(':')[1]}/r-${i}-${j}`;
    const e = evaluate(compiled, aResource({ id, type, tags }));
    return { resourceId: id, cloud: 'aws' as const, account: j ? '210987654321' : '123456789012', region: 'us-east-1', resourceType: type,
      tags, compliant: e.compliant, violations: e.findings };
  }));

  it('writes policies custodian validate accepts for every mapped type, in both modes', async () => {
    const files: string[] = [];
    for (const dryRun of [true, false]) {
      const out = await generateCustodianPolicies(policy, iterate(rowsOfEveryType), { ...BASE, dryRun,
        ...(dryRun ? { periodic: { schedule: 'rate(1 day)', role: 'arn:aws:iam::{account_id}:role/c7n' } } : {}) });
      const file = path.join(dir, `every-${dryRun}.yml`);
      await writeFile(file, out.policyYaml);
      files.push(file);
      const names = (parse(out.policyYaml) as { policies: { name: string }[] }).policies.map((p) => p.name);
      expect(new Set(names).size).toBe(names.length);
      if (dryRun) expect(out.policies.map((p) => p.resourceType).sort()).toEqual(Object.keys(CUSTODIAN_RESOURCES).sort());
      else expect(out.notes.some((n) => n.includes('aws.s3 has no rename-tag'))).toBe(true);
      expect(parse(out.accountsYaml)).toEqual({ accounts: ['123456789012', '210987654321'].map((id) => ({
        account_id: id, name: `account-${id}`, regions: ['us-east-1'], role: `arn:aws:iam::${id}:role/Audit` })) });
    }
    // One process for both files: loading every resource type's schema costs Custodian ~10 s of CPU.
    const { stderr } = await run(CUSTODIAN, ['validate', ...files]);
    expect(stderr.match(/Configuration valid/g)?.length).toBe(2);
  }, 600_000);

  it('lists the key spellings the scan saw, for a case-insensitive policy', async () => {
    const out = await generateCustodianPolicies(policy, iterate(rowsOfEveryType.filter((r) => r.resourceType === 'ec2:instance')), BASE);
    expect(out.policyYaml).toContain('tag:COST CENTER');
    expect(out.policyYaml).toContain('tag:owner');
    expect(out.notes.join(' ')).toMatch(/case-insensitive/);
  });

  it('counts types Custodian has no resource for instead of dropping them silently', async () => {
    const rows = [{ resourceId: 'arn:aws:bedrock:us-east-1:1:agent/a', cloud: 'aws' as const, account: '1', region: 'us-east-1',
      resourceType: 'bedrock:agent', tags: {}, compliant: false, violations: [{ kind: 'missing_required_tag', tag: 'Owner', severity: 'error' }] }];
    const out = await generateCustodianPolicies(policy, iterate(rows), BASE);
    expect(out.unsupportedTypes).toEqual([{ resourceType: 'bedrock:agent', resources: 1 }]);
    expect(out.policies).toEqual([]);
  });

  it('keeps braces in policy values and suggestions literal through Custodian\'s variable expansion', async () => {
    const braces = aPolicy({ caseSensitive: true, required: [aRule('Env', { allowed_values: ['a}b', '{account_id}'] }), aRule('Code', { validation_regex: '^[A-Z]{2,}$' })] });
    const id = 'arn:aws:ec2:us-east-1:123456789012:instance/i-1';
    const e = evaluate(compilePolicy(braces), aResource({ id, tags: {} }));
    const rows: ScanResourceRow[] = [{ resourceId: id, cloud: 'aws', account: '123456789012', region: 'us-east-1', resourceType: 'ec2:instance',
      tags: {}, compliant: e.compliant, violations: e.findings }];
    const out = await generateCustodianPolicies(braces, iterate(rows), { ...BASE, dryRun: false, suggestions: { [id]: { Env: '{account_id}', Code: 'AB' } } });
    const file = path.join(dir, 'braces.yml');
    await writeFile(file, out.policyYaml);
    // Load as `custodian run` does: schema validation, then str.format over every value.
    const script = [
      'import json, sys',
      'from c7n.config import Config',
      'from c7n.policy import load',
      'from c7n.resources import load_resources',
      'load_resources(("aws.ec2",))',
      'found = []',
      'for p in load(Config.empty(account_id="123456789012", region="us-east-1"), sys.argv[1]):',
      '    p.expand_variables(p.get_variables())',
      '    found.append(p.data)',
      'print(json.dumps(found))',
    ].join('\n');
    const { stdout } = await run(path.join(repoRoot, '.venv-tools', 'bin', 'python'), ['-c', script, file]);
    const loaded = JSON.parse(stdout) as { name: string; filters: unknown[]; actions: { type: string; key?: string; value?: string }[] }[];
    const tagActions = loaded.flatMap((p) => p.actions).filter((a) => a.type === 'tag');
    expect(tagActions.map((a) => `${a.key}=${a.value}`).sort()).toEqual(['Code=AB', 'Env={account_id}']);
    const text = JSON.stringify(loaded);
    expect(text).toContain(JSON.stringify(['a}b', '{account_id}']));
    expect(text).toContain('[A-Z]{2,}');
  }, 120_000);

  it('respells JavaScript named groups for Python and keeps \\d ASCII', async () => {
    expect(pythonRegex('^(?<a>x)\\k<a>$')).toBe('(?a:^(?P<a>x)(?P=a)$)');
    const { stdout } = await run(path.join(repoRoot, '.venv-tools', 'bin', 'python'), ['-c',
      'import re,sys; p=sys.argv[1]; print(bool(re.match(p,"xx")), bool(re.match(p,"x")), bool(re.match("(?a:\\\\d)","\\u0663")))',
      pythonRegex('^(?<a>x)\\k<a>$')]);
    expect(stdout.trim()).toBe('True False False');
  });
});
