// Scan lifecycle activities: open the scan row, resolve the policy, and close it with
// totals computed by SQL from what was actually written (so a retried shard can't skew them).
import type { DataQuality, ScanFailure, ScanTotals, ScanTrigger, StoredScanScope } from '../core/scan.js';
import type { Store } from '../store/index.js';
import type { CloudCalls } from '../core/cloud-calls.js';
import { complianceScore } from '../core/compliance/index.js';
import { PolicyValidationError } from '../core/policy/index.js';
import { policyInvalid } from './errors.js';
import { loadActivePolicy } from '../store/policy-sync.js';

export interface OpenScanInput {
  scanId: string;
  workflowId: string;
  trigger: ScanTrigger;
  scope: StoredScanScope;
  scopeHash?: string;
  policyVersionId: number;
  storeSnapshot: boolean;
}

export interface CompleteScanInput {
  scanId: string;
  status: 'completed' | 'failed' | 'cancelled';
  dataQuality: DataQuality;
  /** Cloud API calls the scan's shards made, per API; stored with the scan. */
  cloudCalls?: CloudCalls;
}

/** Told once per scan when completeScan moves it to its final status (never again on a retry). */
export type ScanClosedListener = (scan: { status: string; trigger: string }) => void;

export function createScanActivities(store: Store, policyPath: string, onScanClosed?: ScanClosedListener) {
  return {
    async resolvePolicyVersion(): Promise<{ id: number; hash: string; source: string }> {
      try {
        // The version policySync activated, else the policy file (store/policy-sync.ts).
        const { id, hash, source } = await loadActivePolicy(store, policyPath);
        return { id, hash, source };
      } catch (err) {
        if (err instanceof PolicyValidationError || err instanceof SyntaxError) throw policyInvalid(err.message);
        throw err;
      }
    },

    async openScan(input: OpenScanInput): Promise<void> {
      await store.createScan({
        id: input.scanId,
        workflowId: input.workflowId,
        trigger: input.trigger,
        scope: input.scope,
        scopeHash: input.scopeHash ?? null,
        policyVersionId: input.policyVersionId,
        storeSnapshot: input.storeSnapshot,
      });
    },

    async recordScanFailures(input: { scanId: string; failures: ScanFailure[] }): Promise<void> {
      await store.recordScanFailures(input.scanId, input.failures);
    },

    async completeScan(input: CompleteScanInput): Promise<ScanTotals> {
      const sql = await store.scanTotals(input.scanId);
      const totals: ScanTotals = { ...sql, score: complianceScore(sql.compliant, sql.total) };
      const closed = await store.completeScan(input.scanId, { status: input.status, totals, dataQuality: input.dataQuality, cloudCalls: input.cloudCalls });
      if (closed.changed && closed.scan) onScanClosed?.({ status: closed.scan.status, trigger: closed.scan.trigger });
      return totals;
    },
  };
}
