// The handle a scan-backed tool returns while its scan runs must satisfy that tool's output
// schema (the MCP server validates structuredContent against it).
import { describe, expect, it } from 'vitest';
import { runningScan } from '../../../mcp-gateway/scans/state-views.js';
import { findUntaggedResources } from '../../../mcp-gateway/tools/find-untagged-resources.js';
import { generateComplianceReport } from '../../../mcp-gateway/tools/generate-compliance-report.js';
import type { ScanProgress } from '../../../core/scan.js';

const progress: ScanProgress = {
  scanId: 'scan-adhoc-abc', phase: 'scanning', accountsTotal: 4, accountsDone: 1, shardsTotal: 40, shardsDone: 12,
  shardsFailed: 1, resourcesSeen: 5230, failures: [], failuresTotal: 1, runningAccounts: ['111111111111'],
};

describe('runningScan', () => {
  const handle = runningScan('scan-adhoc-abc-20260101T0000Z', progress);

  it('names the scan, its progress and the next call', () => {
    expect(handle.structured).toEqual({
      status: 'running',
      scan_id: 'scan-adhoc-abc-20260101T0000Z',
      progress: {
        phase: 'scanning', accounts_done: 1, accounts_total: 4, shards_done: 12, shards_total: 40, shards_failed: 1, resources_seen: 5230, failures: 1,
      },
      next_step: 'call get_scan_status with scan_id',
    });
    expect(handle.text).toContain('get_scan_status');
    expect(handle.text).toContain('12/40 shards');
  });

  it.each([findUntaggedResources, generateComplianceReport])('is a valid $name output', (tool) => {
    expect(tool.outputSchema.safeParse(handle.structured).success).toBe(true);
  });
});
