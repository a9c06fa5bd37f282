// The workflow contract callers use by reference (client.workflow.start(complianceScan, …),
// handle.query(progressQuery), handle.signal(cancelSignal)): the workflow functions, their
// queries, signals and search attributes, and their inputs and results. Nobody outside this file
// and definitions.ts spells a workflow, query or signal name.
export { complianceScan } from './compliance-scan.js';
export { planScan, type PlanScanInput, type PlanScanResult } from './plan-scan.js';
export { accountScan } from './account-scan.js';
export { targetScan } from './target-scan.js';
export { evaluateInventory } from './evaluate-inventory.js';
export { policySync } from './policy-sync.js';
export type { PolicySyncInput, PolicySyncResult } from '../activities/policy-sync.js';
export { scheduledAudit, type ScanOutcome, type ScheduledAuditInput } from './scheduled-audit.js';
export {
  ACCOUNT_COUNT_ATTRIBUTE, CLOUD_SEAM_PATCH, CLOUDS_ATTRIBUTE, SCAN_TRIGGER_ATTRIBUTE, SEARCH_ATTRIBUTES,
  accountProgressQuery, cancelSignal, progressQuery,
  APPROVAL_GATE_PATCH, approveSignal, rejectSignal, type ApproveSignalArgs, type RejectSignalArgs,
} from './definitions.js';
export type {
  ScanApprovalInput, AccountScanInput, AccountScanResult, ComplianceScanInput, ComplianceScanResult, ScanTarget, TargetScanInput, TargetScanResult,
  EvaluateInventoryInput, EvaluateInventoryResult,
} from './types.js';
