// The terminal commands' flags: what each parses to, and the usage errors (exit 2) for unknown
// flags, missing values, control characters, lists over the limit and out-of-range numbers.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/args.js';
import { EXIT, verdictFor } from '../../../cli/exit-codes.js';
import { parseReportArgs } from '../../../cli/report.js';
import { parseScanArgs } from '../../../cli/scan.js';
import { parseStatusArgs } from '../../../cli/status.js';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('no usage error');
};

describe('scan flags', () => {
  it('reads the scope, lists given comma-separated or repeated, and the new defaults (follow, table)', () => {
    const a = parseScanArgs(['--types', 'ec2:instance, s3:bucket', '--types=rds:db', '--cloud', 'all', '--accounts', '123456789012',
      '--subscriptions', '00000000-0000-0000-0000-000000000001', '--gcp-scopes', 'projects/p1', '--fail-under', '92.5%', '--fail-on-partial']);
    expect(a.scope).toEqual({
      resource_types: ['ec2:instance', 's3:bucket', 'rds:db'], cloud_provider: 'all', accounts: ['123456789012'],
      subscriptions: ['00000000-0000-0000-0000-000000000001'], gcp_scopes: ['projects/p1'],
    });
    expect(a.waitSeconds).toBeUndefined();
    expect(a.json).toBe(false);
    expect(a.thresholds).toEqual({ failUnder: 0.925, failOnPartial: true });
    expect(a.topAccounts).toBe(10);
  });

  it('keeps the original --resource-types form: JSON and no wait unless --wait says otherwise', () => {
    expect(parseScanArgs(['--resource-types', 'ec2:instance'])).toMatchObject({ json: true, waitSeconds: 0, scope: { resource_types: ['ec2:instance'], cloud_provider: 'aws' } });
    expect(parseScanArgs(['--resource-types=ec2:instance', '--wait', '120'])).toMatchObject({ json: true, waitSeconds: 120 });
    expect(parseScanArgs(['--types', 'ec2:instance', '--wait', '0'])).toMatchObject({ json: false, waitSeconds: 0 });
  });

  it('refuses what it cannot use, saying what to change', () => {
    expect(usage(() => parseScanArgs(['--types', 'ec2:instance', '--bogus']))).toBe('scan: unknown option --bogus');
    expect(usage(() => parseScanArgs(['--types']))).toBe('scan: --types needs a value');
    expect(usage(() => parseScanArgs(['--types', 'x', '--json=yes']))).toBe('scan: --json takes no value');
    expect(usage(() => parseScanArgs(['--accounts', '123456789012']))).toMatch(/scan needs --types/);
    expect(usage(() => parseScanArgs(['--types', 'ec2:instance', 'extra']))).toBe('scan: unexpected argument "extra"');
    expect(usage(() => parseScanArgs(['--types', 'ec2:\u0000instance']))).toMatch(/control character/);
    expect(usage(() => parseScanArgs(['--types', 'ec2:instance', '--regions', 'us-east-1\u001b[2J']))).toMatch(/control character/);
    const accounts = Array.from({ length: 1001 }, (_, i) => String(100000000000 + i)).join(',');
    expect(usage(() => parseScanArgs(['--types', 'x', '--accounts', accounts]))).toBe('scan: --accounts names 1001 entries; the limit is 1000 per scan');
    const regions = Array.from({ length: 41 }, (_, i) => `us-east-${i}`).join(',');
    expect(usage(() => parseScanArgs(['--types', 'x', '--regions', regions]))).toMatch(/the limit is 40/);
    expect(usage(() => parseScanArgs(['--types', 'x', '--cloud', 'oracle']))).toBe('scan: --cloud must be one of aws, azure, gcp, all, got "oracle"');
    expect(usage(() => parseScanArgs(['--types', 'x', '--fail-under', '101']))).toMatch(/--fail-under must be a number 0..100/);
    expect(usage(() => parseScanArgs(['--types', 'x', '--fail-under', 'high']))).toMatch(/--fail-under must be a number/);
    expect(usage(() => parseScanArgs(['--types', 'x', '--wait=-1']))).toMatch(/--wait must be a number 0\.\.604800, got "-1"/);
    expect(usage(() => parseScanArgs(['--types', 'x', '--wait', '-1']))).toBe('scan: --wait needs a value; write --wait=VALUE for one that starts with "-"');
    expect(usage(() => parseScanArgs(['--types', 'x', '--top', '2.5']))).toMatch(/--top must be a whole number 1..1000/);
  });
});

describe('status and report flags', () => {
  it('status takes one scan id', () => {
    expect(parseStatusArgs(['scan-adhoc-1a2b3c4d5e6f-20261125T0215Z', '--json'])).toMatchObject({ scanId: 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z', json: true });
    expect(usage(() => parseStatusArgs([]))).toMatch(/status needs a scan id/);
    expect(usage(() => parseStatusArgs(['nope']))).toMatch(/is not a scan id/);
    expect(usage(() => parseStatusArgs(['scan-adhoc-1a2b3c4d5e6f-20261125T0215Z', 'two']))).toBe('status: unexpected argument "two"');
  });

  it('report takes a format, a scan and an output file', () => {
    expect(parseReportArgs([])).toEqual({ format: 'json', includeRecommendations: true });
    expect(parseReportArgs(['--format', 'html', '--scan', 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z', '-o', 'r.html', '--no-recommendations']))
      .toEqual({ format: 'html', scanId: 'scan-adhoc-1a2b3c4d5e6f-20261125T0215Z', output: 'r.html', includeRecommendations: false });
    expect(usage(() => parseReportArgs(['--format', 'pdf']))).toBe('report: --format must be one of json, markdown, csv, html, got "pdf"');
    expect(usage(() => parseReportArgs(['--scan', '../../etc']))).toMatch(/is not a scan id/);
  });
});

describe('exit codes', () => {
  it('fails under the threshold (no score counts as under), then on partial data when asked', () => {
    expect(verdictFor({ score: 0.8, partial: false }, { failUnder: 0.8, failOnPartial: false }).code).toBe(EXIT.ok);
    expect(verdictFor({ score: 0.7999, partial: false }, { failUnder: 0.8, failOnPartial: false })).toMatchObject({ code: 3, reason: 'score 79.99% is below --fail-under 80%' });
    expect(verdictFor({ score: null, partial: false }, { failUnder: 0, failOnPartial: false }).code).toBe(EXIT.belowThreshold);
    expect(verdictFor({ score: 0.9, partial: true }, { failOnPartial: false }).code).toBe(EXIT.ok);
    expect(verdictFor({ score: 0.9, partial: true }, { failOnPartial: true }).code).toBe(EXIT.partial);
    expect(verdictFor({ score: 0.1, partial: true }, { failUnder: 0.5, failOnPartial: true }).code).toBe(EXIT.belowThreshold);
  });
});
