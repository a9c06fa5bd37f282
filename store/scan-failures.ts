// Targets a scan could not read, kept in full (workflow history keeps only a capped list).
import { jsonParam } from './columns.js';
import type { ScanFailure } from '../core/scan.js';
import type { Db } from './db.js';

export function failureTarget(f: Pick<ScanFailure, 'account' | 'region' | 'resourceType' | 'target'>): string {
  return f.target ?? [f.account, f.region, f.resourceType].filter(Boolean).join('/');
}

export function createScanFailureQueries(db: Db) {
  return {
    /** Idempotent per (scan, target): a retried record keeps the first reason. */
    async recordScanFailures(scanId: string, failures: ScanFailure[]): Promise<void> {
      if (failures.length === 0) return;
      await db.query(
        `insert into scan_failures (scan_id, target, account, region, resource_type, error_type, reason)
         select $1, target, account, region, resource_type, error_type, reason
         from jsonb_to_recordset($2::jsonb) as f(target text, account text, region text, resource_type text, error_type text, reason text)
         on conflict (scan_id, target) do nothing`,
        [scanId, jsonParam(failures.map((f) => ({
          target: failureTarget(f), account: f.account, region: f.region ?? null, resource_type: f.resourceType ?? null,
          error_type: f.errorType, reason: f.reason,
        })))]);
    },

    async listScanFailures(scanId: string, limit = 1000): Promise<ScanFailure[]> {
      const rows = await db.query<{ account: string; region: string | null; resource_type: string | null; error_type: string; reason: string }>(
        `select account, region, resource_type, error_type, reason from scan_failures
         where scan_id = $1 order by target limit $2`, [scanId, limit]);
      return rows.map((r) => ({
        account: r.account,
        ...(r.region ? { region: r.region } : {}),
        ...(r.resource_type ? { resourceType: r.resource_type } : {}),
        errorType: r.error_type,
        reason: r.reason,
      }));
    },
  };
}
