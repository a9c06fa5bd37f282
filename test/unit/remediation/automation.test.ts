// export for automation: JSON Lines and the Ansible inventory parse back to what the scan rows
// say, hostile values stay data (`!unsafe`), and pages continue where the last one stopped.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/compliance/index.js';
import { compilePolicy } from '../../../core/policy/compile.js';
import type { ScanResourceRow } from '../../../core/scan.js';
import { exportForAutomation, type AutomationOptions } from '../../../core/remediation/automation.js';
import { aPolicy, aResource, aRule } from '../builders.js';

const policy = aPolicy({
  required: [aRule('Owner', { validation_regex: '^[^<>]+$' }), aRule('Environment', { allowed_values: ['production'] })],
  optional: [{ name: 'Team', description: 'team', allowed_values: ['a', 'b'] }],
});
const compiled = compilePolicy(policy);

function row(n: number, tags: Record<string, string>): ScanResourceRow {
  const id = `arn:aws:ec2:eu-west-1:123456789012:instance/i-${String(n).padStart(3, '0')}`;
  const e = evaluate(compiled, aResource({ id, tags }));
  return { resourceId: id, cloud: 'aws', account: '123456789012', region: 'eu-west-1', resourceType: 'ec2:instance', name: `vm-${n}`,
    tags, compliant: e.compliant, violations: e.findings };
}
async function* iterate(rows: ScanResourceRow[]) { yield* rows; }
const BASE: AutomationOptions = { includeWarnings: false, limit: 100, scanId: 'scan-x' };
/** Ansible's `!unsafe` is a plain string to any other reader. */
const parseAnsible = (text: string) => parse(text, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] });

const HOSTILE = "{{ lookup('pipe', 'id') }} it's \"x\"\n{% raw %}";

describe('exportForAutomation', () => {
  const rows = [
    row(1, {}),                                                   // missing both
    row(2, { Owner: 'o@x', Environment: 'production' }),          // compliant
    row(3, { Owner: 'o@x', Environment: 'production', Team: 'z' }), // compliant with a warning
    row(4, { Owner: HOSTILE, Environment: 'prod' }),              // bad Environment, hostile owner
  ];

  it('writes one JSON line per non-compliant resource with its violations and the values that fix them', async () => {
    const out = await exportForAutomation(policy, iterate(rows), { ...BASE, suggestions: { [rows[0]!.resourceId]: { Owner: 'fix@x' } } });
    const lines = out.jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const expected = rows.filter((r) => !r.compliant);
    expect(lines.map((l) => l.resource_id)).toEqual(expected.map((r) => r.resourceId));
    for (const [i, line] of lines.entries()) {
      expect(line.tags).toEqual(expected[i]!.tags);
      expect(line.violations.map((v: { kind: string; tag: string }) => `${v.kind}:${v.tag}`).sort())
        .toEqual((expected[i]!.violations as { kind: string; tag: string }[]).map((v) => `${v.kind}:${v.tag}`).sort());
    }
    expect(lines[0]!.tags_to_set).toEqual({ Owner: 'fix@x', Environment: 'production' });
    expect(lines[1]!.tags_to_set).toEqual({ Environment: 'production' });
    expect(lines[1]!.tags.Owner).toBe(HOSTILE);
    expect(out.placeholders).toBe(0);
  });

  it('writes an Ansible inventory whose remediations parse back, every scan value !unsafe', async () => {
    const out = await exportForAutomation(policy, iterate(rows), BASE);
    const doc = parseAnsible(out.ansibleYaml) as { all: { hosts: Record<string, unknown>; vars: { tag_remediations: Record<string, any>[] } } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(doc.all.hosts)).toEqual(['localhost']);
    const items = doc.all.vars.tag_remediations;
    expect(items.map((i) => i.resource_arn)).toEqual(rows.filter((r) => !r.compliant).map((r) => r.resourceId));
    expect(items[0]).toMatchObject({ region: 'eu-west-1', tags: { Owner: '<set Owner>', Environment: 'production' }, placeholder: true });
    // No scan-derived value can reach Jinja: each string scalar under tag_remediations carries the tag.
    const plain = parse(out.ansibleYaml.replace(/!unsafe /g, ''));
    expect(plain).toEqual(doc);
    const unsafeValues = out.ansibleYaml.split('\n').filter((l) => /:\s+\S/.test(l) && l.startsWith('        ') && !/: (true|false)$/.test(l));
    for (const line of unsafeValues) expect(line, line).toMatch(/!unsafe /);
  });

  it('includes compliant resources with warnings when asked, and pages with nextAfter', async () => {
    const all = await exportForAutomation(policy, iterate(rows), { ...BASE, includeWarnings: true });
    expect(all.records).toBe(3);
    const first = await exportForAutomation(policy, iterate(rows), { ...BASE, includeWarnings: true, limit: 2 });
    expect(first.records).toBe(2);
    expect(first.nextAfter).toBe(rows[2]!.resourceId);
    const rest = await exportForAutomation(policy, iterate(rows.filter((r) => r.resourceId > first.nextAfter!)), { ...BASE, includeWarnings: true, limit: 2 });
    expect(rest.records).toBe(1);
    expect(rest.nextAfter).toBeNull();
  });
});
