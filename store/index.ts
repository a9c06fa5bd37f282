// The store: every query the gateway and the activities run against PostgreSQL (or embedded PGlite).
import type { Db } from './db.js';
import { createAuditQueries } from './audit.js';
import { createCallGuardQueries } from './call-guard.js';
import { createPrincipalQuotaQueries } from './principal-quotas.js';
import { createCostCacheQueries } from './cost-cache.js';
import { createCostRowQueries } from './cost-rows.js';
import { createDriftQueries } from './drift.js';
import { createDashboardSessionQueries } from './dashboard-sessions.js';
import { createDashboardViewQueries } from './dashboard-views.js';
import { createViolationExportQueries } from './violations-export.js';
import { createNotificationQueries } from './notifications.js';
import { createPolicyQueries } from './policies.js';
import { createPolicySyncQueries } from './policy-sync.js';
import { createReportQueries } from './reports.js';
import { createScanFailureQueries } from './scan-failures.js';
import { createScanResourceQueries } from './scan-resources.js';
import { createScanQueries } from './scans.js';
import { createScanApprovalQueries } from './scan-approval.js';
import { createSuggestionQueries } from './suggestions.js';

export type { Db, OpenDbOptions } from './db.js';
export { openDb } from './db.js';
export { migrate, MigrationChecksumError } from './migrate.js';
export type { AuditEntry, AuditRecord } from './audit.js';
export type { DriftScan, DriftSummary, TagDriftRecord } from './drift.js';
export type { ExportRow, ViolationExportQuery } from './violations-export.js';
export type { DashboardSession } from './dashboard-sessions.js';
export type { ScanInStatus, SnapshotCloudScores, ViolationFilter, ViolationPosition, ViolationRowRecord } from './dashboard-views.js';
export type { CallGuardAdmission, CallGuardVerdict } from './call-guard.js';
export type { QuotaName, QuotaTake, QuotaVerdict, QuotaWindow } from './principal-quotas.js';
export type { NotificationChannel, NotificationKey, NotificationKind, NotificationRecord } from './notifications.js';
export type { PolicySyncOutcome, PolicySyncState, PolicySyncStatus } from './policy-sync.js';
export { canonicalJson, policyHash, type NewPolicyVersion, type PolicyVersionRecord } from './policies.js';
export { encodeScanResourceRows } from './scan-resources-copy.js';
export type { ListScanResourcesOptions, ScanResourceRecord } from './scan-resources.js';
export { failureTarget } from './scan-failures.js';
export type { ApprovalDecision, ApprovalDecisionKind, ScanApprovalRecord } from './scan-approval.js';
export type { CostCacheEntry, CostCacheKey } from './cost-cache.js';
export type { FindingCostGroup } from './cost-rows.js';
export type {
  SnapshotRecord, UntaggedQuery, UntaggedResourceRecord, UntaggedTotals,
} from './reports.js';
export type {
  CompleteScan, ListScansOptions, NewScan, ScanRecord, ScanStatus, TerminalScanStatus,
} from './scans.js';

export function createStore(db: Db) {
  return {
    ...createPolicyQueries(db),
    ...createPolicySyncQueries(db),
    ...createScanQueries(db),
    ...createScanApprovalQueries(db),
    ...createScanResourceQueries(db),
    ...createSuggestionQueries(db),
    ...createScanFailureQueries(db),
    ...createAuditQueries(db),
    ...createReportQueries(db),
    ...createCallGuardQueries(db),
    ...createPrincipalQuotaQueries(db),
    ...createNotificationQueries(db),
    ...createCostCacheQueries(db),
    ...createCostRowQueries(db),
    ...createDriftQueries(db),
    ...createViolationExportQueries(db),
    ...createDashboardSessionQueries(db),
    ...createDashboardViewQueries(db),
    /** Resolves when the database answers a trivial query. */
    async ping(): Promise<void> {
      await db.query('select 1');
    },
  };
}

export type Store = ReturnType<typeof createStore>;
