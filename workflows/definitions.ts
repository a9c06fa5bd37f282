// The queries, signals and search attributes of our workflows, defined once. Workflow code
// imports them from here; callers import them from contract.ts. The names are part of running
// workflows and recorded histories: never rename them.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AccountProgress, ScanProgress } from '../core/scan.js';

/** complianceScan's progress: shards done/total, resources seen, failures, running accounts. */
export const progressQuery = defineQuery<ScanProgress>('progress');
/** accountScan's own progress, which the client adds to its parent's for running accounts. */
export const accountProgressQuery = defineQuery<AccountProgress>('progress');
/** Stops new shards; the scan closes as cancelled with partial data. */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');

/** What an `approve` signal carries (tool, Temporal UI or CLI): who approved, optionally which plan. */
export interface ApproveSignalArgs {
  approver: string;
  /** When set, the approval holds only for this plan hash (a plan that changed since is not approved). */
  planHash?: string;
  note?: string;
}
/** What a `reject` signal carries. */
export interface RejectSignalArgs {
  approver: string;
  reason: string;
}
/** Lets a scan waiting at its approval gate run. */
export const approveSignal = defineSignal<[ApproveSignalArgs]>('approve');
/** Cancels a scan waiting at its approval gate: it closes as cancelled without scanning. */
export const rejectSignal = defineSignal<[RejectSignalArgs]>('reject');

/** The patch id of the approval gate's commands (plan estimate, wait, decision records). */
export const APPROVAL_GATE_PATCH = 'approval-gate';

/**
 * The patch id that separates scans started after the cloud seam (targetScan, planTargets,
 * scanShard) from those recorded before it (accountScan, planAwsAccounts, scanAwsShard).
 */
export const CLOUD_SEAM_PATCH = 'cloud-seam';

export const SCAN_TRIGGER_ATTRIBUTE = defineSearchAttributeKey('ScanTrigger', SearchAttributeType.KEYWORD);
export const ACCOUNT_COUNT_ATTRIBUTE = defineSearchAttributeKey('AccountCount', SearchAttributeType.INT);
export const CLOUDS_ATTRIBUTE = defineSearchAttributeKey('Clouds', SearchAttributeType.KEYWORD_LIST);

/** The custom search attributes as the Temporal CLI registers them (`--search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTES = {
  [SCAN_TRIGGER_ATTRIBUTE.name]: 'Keyword',
  [ACCOUNT_COUNT_ATTRIBUTE.name]: 'Int',
  [CLOUDS_ATTRIBUTE.name]: 'KeywordList',
} as const;
