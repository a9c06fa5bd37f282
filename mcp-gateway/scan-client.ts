// Starting, joining and watching compliance scans from the client side (gateway, CLI, tests).
// Identical requests in the same time bucket get the same workflow id and join one scan.
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import { accountWorkflowId } from '../core/account-workflow-id.js';
import { scanWorkflowId, scopeHash } from '../core/scan-id.js';
import { normaliseScope, type ScanScope, type ScopeInput } from '../core/scope.js';
import type { Config } from '../config/index.js';
import type { ComplianceScanInput, ComplianceScanResult, ScanProgress, ScanTrigger } from '../workflows/types.js';
import { SEARCH_ATTRIBUTES } from '../worker/search-attributes.js';
import { redactSecrets } from './errors.js';

export const complianceScanType = 'complianceScan';

const TRIGGER = defineSearchAttributeKey('ScanTrigger', SearchAttributeType.KEYWORD);
const CLOUDS = defineSearchAttributeKey('Clouds', SearchAttributeType.KEYWORD_LIST);

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
  overrides?: Pick<ComplianceScanInput, 'maxParallelAccounts' | 'maxConcurrentRegions' | 'accountsPerRun' | 'shardHeartbeatSeconds'>;
}

const registered = new WeakMap<Client, Promise<boolean>>();

/** Whether the namespace knows our search attributes (the dev server registers them at start). */
function searchAttributesRegistered(client: Client, namespace: string): Promise<boolean> {
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

export async function startComplianceScan(client: Client, config: Config, opts: StartScanOptions)
  : Promise<{ workflowId: string; handle: WorkflowHandleWithFirstExecutionRunId }> {
  const scope = 'resourceTypes' in opts.scope ? opts.scope : normaliseScope(opts.scope);
  const trigger = opts.trigger ?? 'adhoc';
  const now = opts.now ?? new Date();
  // A fresh run (force_refresh) gets its own id, shared only by requests in the same second;
  // snapshots never join an ad-hoc run (they go to history).
  let workflowId = scanWorkflowId(trigger, scope, now, opts.bucketSeconds);
  if (opts.storeSnapshot && trigger === 'adhoc') workflowId += '-snapshot';
  if (opts.fresh) workflowId += `-r${now.toISOString().slice(11, 19).replace(/:/g, '')}`;
  const searchAttributes = await searchAttributesRegistered(client, config.temporal.namespace);
  const input: ComplianceScanInput = {
    scope, scopeHash: scopeHash(scope), trigger, storeSnapshot: opts.storeSnapshot ?? trigger === 'scheduled', searchAttributes,
    maxParallelAccounts: config.aws.maxParallelAccounts, maxConcurrentRegions: config.aws.maxConcurrentRegions,
    shardHeartbeatSeconds: config.aws.shardHeartbeatSeconds,
    ...opts.overrides,
  };
  const typedSearchAttributes: SearchAttributePair[] = searchAttributes
    ? [{ key: TRIGGER, value: trigger }, { key: CLOUDS, value: scope.clouds }] : [];
  const handle = await client.workflow.start(complianceScanType, {
    taskQueue: config.temporal.taskQueue,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    memo: { scope },
    typedSearchAttributes,
    staticSummary: `${trigger} scan: ${scope.accounts?.length ?? 'all'} account(s), ${scope.regions?.join(',') ?? 'all regions'}, ${scope.resourceTypes.join(',')}`,
  });
  return { workflowId, handle };
}

/** The scan's progress, with running accounts' shard counts added from their own queries. */
export async function scanProgress(client: Client, workflowId: string): Promise<ScanProgress> {
  const progress = await client.workflow.getHandle(workflowId).query<ScanProgress>('progress');
  const scanId = progress.scanId;
  const running = !scanId ? [] : await Promise.all(progress.runningAccounts.map((account) =>
    client.workflow.getHandle(accountWorkflowId(scanId, account)).query<{ shardsTotal: number; shardsDone: number; shardsFailed: number; resourcesSeen: number }>('progress')
      .catch(() => undefined)));
  for (const account of running) {
    if (!account) continue;
    progress.shardsTotal += account.shardsTotal;
    progress.shardsDone += account.shardsDone;
    progress.shardsFailed += account.shardsFailed;
    progress.resourcesSeen += account.resourcesSeen;
  }
  return progress;
}

/**
 * A forced (force_refresh) scan of the same scope still running, from Temporal's visibility
 * store, so a repeated forced call joins it from any gateway instead of scanning again.
 */
export async function runningForcedScan(client: Client, scope: ScanScope, storeSnapshot: boolean): Promise<string | undefined> {
  const prefix = `scan-adhoc-${scopeHash(scope)}-`;
  const forced = storeSnapshot ? /-snapshot-r\d{6}$/ : /Z-r\d{6}$/;
  const query = `WorkflowType = '${complianceScanType}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${prefix}'`;
  for await (const run of client.workflow.list({ query, pageSize: 20 })) {
    if (forced.test(run.workflowId)) return run.workflowId;
  }
  return undefined;
}

/** The progress query's answer plus what only the gateway sees: shards being retried. */
export type LiveProgress = ScanProgress & { retrying?: RetryingShard[] };

/** A shard activity being retried: what the progress view shows so failures: 0 is not the whole story. */
export interface RetryingShard {
  account: string;
  region: string | null;
  resourceType: string | null;
  attempt: number;
  lastError: string;
}

/** Shard failures start with `<account>/<region>/<type>: ` (activities/aws/errors.ts). */
const WHERE = /^(\d{12})\/([a-z0-9-]+)\/(\S+?): (.*)$/s;

/** An activity error as the client may see it: no endpoint, no credentials, one short line. */
function shortError(message: string): string {
  const text = redactSecrets(message)
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, '<endpoint>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\[[0-9a-f:]+\](?::\d+)?|\b[\w.-]+:\d{2,5}\b/gi, '<endpoint>')
    .replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The running accounts' shard activities past their first attempt, with their last error. */
export async function retryingShards(client: Client, scanId: string, accounts: string[]): Promise<RetryingShard[]> {
  const described = await Promise.all(accounts.map((account) =>
    client.workflow.getHandle(accountWorkflowId(scanId, account)).describe().then((d) => ({ account, d }), () => undefined)));
  const retrying: RetryingShard[] = [];
  for (const item of described) {
    for (const pending of item?.d.raw.pendingActivities ?? []) {
      if ((pending.attempt ?? 1) <= 1) continue;
      const message = pending.lastFailure?.message ?? 'no error recorded yet';
      const where = WHERE.exec(message);
      retrying.push({
        account: where?.[1] ?? item!.account, region: where?.[2] ?? null, resourceType: where?.[3] ?? null,
        attempt: pending.attempt ?? 0, lastError: shortError(where?.[4] ?? message),
      });
    }
  }
  return retrying;
}

export type { ComplianceScanResult };
