// The one scan client: start or join, query, describe, cancel and await compliance scans, by
// reference to the workflow contract. The gateway, the CLI, the bench and schedules all use it.
// Identical requests in the same time bucket get the same workflow id and join one scan.
import {
  WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, type Client, type WorkflowExecutionDescription,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { accountWorkflowId } from '../core/account-workflow-id.js';
import { addCalls } from '../core/cloud-calls.js';
import type { ScanProgress, ScanTrigger } from '../core/scan.js';
import { scanWorkflowId, scopeHash } from '../core/scan-id.js';
import { normaliseScope, type ScanScope, type ScopeInput } from '../core/scope.js';
import type { Config } from '../config/index.js';
import { approvalInputFor, type StartApproval } from './scan-approval.js';
import {
  CLOUDS_ATTRIBUTE, SCAN_TRIGGER_ATTRIBUTE, SEARCH_ATTRIBUTES, accountProgressQuery, cancelSignal, complianceScan,
  evaluateInventory, progressQuery, type ComplianceScanInput, type ComplianceScanResult, type EvaluateInventoryResult,
} from '../workflows/contract.js';

export type { ComplianceScanResult, EvaluateInventoryResult };

/** Temporal's workflow type of a compliance scan, for visibility queries. */
export const COMPLIANCE_SCAN_TYPE = complianceScan.name;

export interface StartScanOptions {
  /** A tool's scope input, or a scope already normalised. */
  scope: ScopeInput | ScanScope;
  /** Start a new run even when a scan of this scope ran in the same time bucket (force_refresh). */
  fresh?: boolean;
  trigger?: ScanTrigger;
  storeSnapshot?: boolean;
  now?: Date;
  /** Width of the time bucket that makes concurrent identical requests join; default 15 min. */
  bucketSeconds?: number;
  /** Shard concurrency is not among them: the worker owns it (its config clouds.aws.maxConcurrentShards). */
  overrides?: Pick<ComplianceScanInput, 'maxParallelAccounts' | 'accountsPerRun' | 'shardHeartbeatSeconds'>;
  /** An approved plan hash or a pre-approval; the thresholds come from config.approval. */
  approval?: StartApproval;
}

const registered = new WeakMap<Client, Promise<boolean>>();

/** Whether the namespace knows our search attributes (the dev server registers them at start). */
export function searchAttributesRegistered(client: Client, namespace: string): Promise<boolean> {
  let known = registered.get(client);
  if (!known) {
    known = client.connection.operatorService.listSearchAttributes({ namespace })
      .then((r) => Object.keys(SEARCH_ATTRIBUTES).every((name) => name in (r.customAttributes ?? {})))
      .catch(() => {
        registered.delete(client); // unknown, not absent: ask again next time (Temporal may be restarting)
        return false;
      });
    registered.set(client, known);
  }
  return known;
}

/** The workflow id a request gets: the same for identical requests in one time bucket. */
export function scanWorkflowIdFor(scope: ScanScope, opts: Omit<StartScanOptions, 'scope' | 'overrides'> & { now: Date }): string {
  const trigger = opts.trigger ?? 'adhoc';
  // A fresh run (force_refresh) gets its own id, shared only by requests in the same second;
  // snapshots never join an ad-hoc run (they go to history).
  let workflowId = scanWorkflowId(trigger, scope, opts.now, opts.bucketSeconds);
  if (opts.storeSnapshot && trigger === 'adhoc') workflowId += '-snapshot';
  if (opts.fresh) workflowId += `-r${opts.now.toISOString().slice(11, 19).replace(/:/g, '')}`;
  return workflowId;
}

/**
 * Starts the scan of a scope, or joins the run of the same scope already running under that id.
 * `started` says which (per-principal quotas count only new scans): the start asks Temporal to fail
 * on a running id, and a failure is answered by joining that run, as USE_EXISTING would have.
 */
export async function startComplianceScan(client: Client, config: Config, opts: StartScanOptions)
  : Promise<{ workflowId: string; handle: WorkflowHandleWithFirstExecutionRunId<typeof complianceScan>; started: boolean }> {
  const scope = 'resourceTypes' in opts.scope ? opts.scope : normaliseScope(opts.scope);
  const trigger = opts.trigger ?? 'adhoc';
  const now = opts.now ?? new Date();
  const workflowId = scanWorkflowIdFor(scope, { ...opts, trigger, now });
  const searchAttributes = await searchAttributesRegistered(client, config.temporal.namespace);
  const input: ComplianceScanInput = {
    scope, scopeHash: scopeHash(scope), trigger, storeSnapshot: opts.storeSnapshot ?? trigger === 'scheduled', searchAttributes,
    maxParallelAccounts: config.clouds.aws.maxParallelAccounts,
    shardHeartbeatSeconds: config.clouds.aws.shardHeartbeatSeconds,
    ...opts.overrides,
  };
  const approval = approvalInputFor(config, opts.approval);
  if (approval) input.approval = approval;
  const typedSearchAttributes: SearchAttributePair[] = searchAttributes
    ? [{ key: SCAN_TRIGGER_ATTRIBUTE, value: trigger }, { key: CLOUDS_ATTRIBUTE, value: scope.clouds }] : [];
  try {
    const handle = await client.workflow.start(complianceScan, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      memo: { scope },
      typedSearchAttributes,
      staticSummary: `${trigger} scan: ${scope.accounts?.length ?? 'all'} account(s), ${scope.regions?.join(',') ?? 'all regions'}, ${scope.resourceTypes.join(',')}`,
    });
    return { workflowId, handle, started: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { workflowId, handle: await joinRunningScan(client, workflowId), started: false };
  }
}

/** A handle on the running scan under `workflowId`, pinned to its chain's first run (scans continue as new). */
async function joinRunningScan(client: Client, workflowId: string): Promise<WorkflowHandleWithFirstExecutionRunId<typeof complianceScan>> {
  const described = await scanHandle(client, workflowId).describe();
  const firstExecutionRunId = described.raw.workflowExecutionInfo?.firstRunId || described.runId;
  const handle = client.workflow.getHandle<typeof complianceScan>(workflowId, undefined, { firstExecutionRunId });
  return Object.assign(handle, { firstExecutionRunId });
}

/** A handle on a scan by its workflow id (the scan_id tools hand out). */
export function scanHandle(client: Client, workflowId: string) {
  return client.workflow.getHandle<typeof complianceScan>(workflowId);
}

/** The scan's progress, with running accounts' shard counts added from their own queries. */
export async function scanProgress(client: Client, workflowId: string): Promise<ScanProgress> {
  const progress = await scanHandle(client, workflowId).query(progressQuery);
  const scanId = progress.scanId;
  const running = !scanId ? [] : await Promise.all(progress.runningAccounts.map((account) =>
    client.workflow.getHandle(accountWorkflowId(scanId, account)).query(accountProgressQuery).catch(() => undefined)));
  for (const account of running) {
    if (!account) continue;
    progress.shardsTotal += account.shardsTotal;
    progress.shardsDone += account.shardsDone;
    progress.shardsFailed += account.shardsFailed;
    progress.resourcesSeen += account.resourcesSeen;
    if (account.calls) progress.calls = addCalls(progress.calls ?? {}, account.calls);
  }
  return progress;
}

/** Whether a described workflow is a compliance scan (a task or scan id may name anything). */
export function isComplianceScan(described: WorkflowExecutionDescription): boolean {
  return described.type === COMPLIANCE_SCAN_TYPE;
}

/** Asks a running scan to stop: no new shards start, and it closes as cancelled with partial data. */
export async function cancelComplianceScan(client: Client, workflowId: string, reason: string): Promise<void> {
  await scanHandle(client, workflowId).signal(cancelSignal, reason);
}

/** The running accounts' workflows, described (their pending shard activities); undefined where it failed. */
export function describeAccountScans(client: Client, scanId: string, accounts: string[])
  : Promise<Array<{ account: string; described: WorkflowExecutionDescription } | undefined>> {
  return Promise.all(accounts.map((account) =>
    client.workflow.getHandle(accountWorkflowId(scanId, account)).describe().then((described) => ({ account, described }), () => undefined)));
}

/**
 * A forced (force_refresh) scan of the same scope still running, from Temporal's visibility
 * store, so a repeated forced call joins it from any gateway instead of scanning again.
 */
export async function runningForcedScan(client: Client, scope: ScanScope, storeSnapshot: boolean): Promise<string | undefined> {
  const prefix = `scan-adhoc-${scopeHash(scope)}-`;
  const forced = storeSnapshot ? /-snapshot-r\d{6}$/ : /Z-r\d{6}$/;
  const query = `WorkflowType = '${COMPLIANCE_SCAN_TYPE}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${prefix}'`;
  for await (const run of client.workflow.list({ query, pageSize: 20 })) {
    if (!forced.test(run.workflowId)) continue;
    // Visibility lags: a run that has just closed (a cancelled scan) can still be listed as
    // running, and joining it would answer with its old result. The run itself says for sure.
    const described = await client.workflow.getHandle(run.workflowId).describe().catch(() => undefined);
    if (described?.status.name === 'RUNNING') return run.workflowId;
  }
  return undefined;
}

/** One page of scan workflows, newest first; pass nextPageToken back for the next page. */
export async function listComplianceScans(client: Client, namespace: string, pageSize: number, nextPageToken?: Uint8Array)
  : Promise<{ workflowIds: string[]; nextPageToken?: Uint8Array }> {
  const response = await client.workflowService.listWorkflowExecutions({
    namespace, pageSize, query: `WorkflowType = '${COMPLIANCE_SCAN_TYPE}'`, ...(nextPageToken ? { nextPageToken } : {}),
  });
  const workflowIds = [...new Set((response.executions ?? []).map((e) => e.execution?.workflowId).filter((id): id is string => !!id))];
  const token = response.nextPageToken;
  return { workflowIds, ...(token && token.length > 0 ? { nextPageToken: token } : {}) };
}

/** Starts evaluateInventory on a file readable by the worker; the id names the file and the second. */
export async function startInventoryEvaluation(client: Client, config: Config, file: string, storeSnapshot: boolean, now = new Date()) {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15);
  const workflowId = `inventory-${createHash('sha256').update(file).digest('hex').slice(0, 8)}-${stamp}`;
  const handle = await client.workflow.start(evaluateInventory, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [{ inventoryPath: file, trigger: 'adhoc', storeSnapshot }],
    memo: { inventoryPath: file },
  });
  return { workflowId, handle };
}
