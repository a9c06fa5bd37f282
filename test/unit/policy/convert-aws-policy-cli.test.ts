import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConvertAwsPolicy } from '../../../cli/convert-aws-policy.js';
import { convertAwsOrgTagPolicy } from '../../../core/policy/index.js';
import { referenceText } from '../builders.js';

const NOW = new Date('2026-12-05T00:00:00Z');

async function convert(content: string): Promise<{ out: string; err: string }> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'convert-')), 'in.json');
  writeFileSync(file, content);
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => { chunks.out += c.toString(); });
  err.on('data', (c: Buffer) => { chunks.err += c.toString(); });
  await runConvertAwsPolicy([file], out, err, () => NOW);
  return chunks;
}

describe('convert-aws-policy', () => {
  it('writes the converted reference example as JSON, stamped with the time', async () => {
    const { out, err } = await convert(referenceText('aws_org_tag_policy_example.json'));
    expect(JSON.parse(out)).toEqual(convertAwsOrgTagPolicy(referenceText('aws_org_tag_policy_example.json'), { lastUpdated: NOW.toISOString() }));
    expect(err).toBe('');
  });

  it('reads DescribePolicy output and warns about operators it does not apply', async () => {
    const content = JSON.stringify({ tags: { env: { tag_key: { '@@assign': 'Env', '@@operators_allowed_for_child_policies': ['@@none'] }, enforced_for: { '@@assign': ['ec2:instance'] } } } });
    const { out, err } = await convert(JSON.stringify({ Policy: { PolicySummary: { Id: 'p-12345678' }, Content: content } }));
    expect(JSON.parse(out)).toMatchObject({ required_tags: [{ name: 'Env', applies_to: ['ec2:instance'] }] });
    expect(err).toContain('p-12345678 tags.env.tag_key.@@operators_allowed_for_child_policies');
  });

  it('fails with a clear message on bad input or usage', async () => {
    await expect(convert('{nope')).rejects.toThrow(/not valid JSON/);
    await expect(runConvertAwsPolicy([])).rejects.toThrow(/usage: finops-tag-compliance convert-aws-policy/);
    await expect(runConvertAwsPolicy(['/nonexistent/in.json'])).rejects.toThrow('cannot read /nonexistent/in.json: ENOENT');
  });
});
