// What a client reads about a scan: no score without resources, a partial result flagged before
// any figure, and shards being retried shown next to failures.
import { describe, expect, it } from 'vitest';
import { runningScan } from '../../../mcp-gateway/scans/state-views.js';
import { scanResultSchema, summaryText, summaryView } from '../../../mcp-gateway/scans/result-views.js';
import { servesFromCache } from '../../../mcp-gateway/scans/resolve.js';
import { configSchema } from '../../../config/index.js';
import type { ScanRecord } from '../../../store/index.js';
import type { ScanProgress } from '../../../core/scan.js';

function aScan(over: Partial<ScanRecord> = {}): ScanRecord {
  return {
    id: 'scan-adhoc-0123456789ab-20260101T0000Z.abcdef12', workflowId: 'scan-adhoc-0123456789ab-20260101T0000Z', trigger: 'adhoc',
    scope: { clouds: ['aws'], resourceTypes: ['ec2:instance'] }, scopeHash: '0123456789ab', policyVersionId: 1, status: 'completed',
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', storeSnapshot: false,
    totals: { total: 100_000, compliant: 35_799, nonCompliant: 64_201, score: 0.358, byResourceType: {} },
    dataQuality: { status: 'complete', missing: [] },
    ...over,
  };
}

describe('scan summary', () => {
  it('has no score when the scan saw no resources, even if a score of 1 was stored', () => {
    const cancelled = aScan({ status: 'cancelled', totals: { total: 0, compliant: 0, nonCompliant: 0, score: 1, byResourceType: {} } });
    expect(summaryView(cancelled).compliance_score).toBeNull();
    expect(summaryText(cancelled)).toMatch(/^no score \(0 resources\)/);
    expect(summaryText(cancelled)).not.toContain('100');
  });

  it('rounds the score it shows', () => {
    expect(summaryText(aScan())).toMatch(/^Compliance 35\.8%/);
  });

  it('puts a partial flag first, and suggests force_refresh when the partial result is cached', () => {
    const partial = aScan({ dataQuality: { status: 'partial', missing: [{ account: '111111111111' }] } as ScanRecord['dataQuality'] });
    expect(summaryText(partial, true)).toMatch(/^PARTIAL DATA: 1 target\(s\).*force_refresh: true/);
    expect(summaryText(partial, false)).not.toContain('force_refresh');
  });
});

describe('servesFromCache', () => {
  const config = configSchema.parse({ gateway: { partialCacheTtlSeconds: 300 } });
  const finished = Date.parse('2026-01-01T00:01:00.000Z');

  it('serves a complete scan for the whole cache TTL (the query applies it)', () => {
    expect(servesFromCache(aScan(), config, finished + 3_000_000)).toBe(true);
  });

  it('serves a partial scan only within partialCacheTtlSeconds', () => {
    const partial = aScan({ dataQuality: { status: 'partial', missing: [] } });
    expect(servesFromCache(partial, config, finished + 299_000)).toBe(true);
    expect(servesFromCache(partial, config, finished + 301_000)).toBe(false);
  });
});

describe('running scan with retrying shards', () => {
  const progress: ScanProgress & { retrying: unknown[] } = {
    scanId: 's', phase: 'scanning', accountsTotal: 2, accountsDone: 0, shardsTotal: 22, shardsDone: 3, shardsFailed: 0,
    resourcesSeen: 10, failures: [], failuresTotal: 0, runningAccounts: ['111111111111'],
    retrying: [{ account: '111111111111', region: 'eu-west-1', resourceType: 'ec2:instance', attempt: 8, lastError: 'Error: connect ECONNREFUSED <endpoint>' }],
  };
  const handle = runningScan('scan-adhoc-0123456789ab-20260101T0000Z', progress as never);

  it('lists them in progress, and the text says so although failures is 0', () => {
    expect(handle.structured.progress.retrying).toEqual([
      { account: '111111111111', region: 'eu-west-1', resource_type: 'ec2:instance', attempt: 8, last_error: 'Error: connect ECONNREFUSED <endpoint>' },
    ]);
    expect(handle.text).toContain('1 shard(s) retrying');
    expect(scanResultSchema.safeParse(handle.structured).success).toBe(true);
  });
});
