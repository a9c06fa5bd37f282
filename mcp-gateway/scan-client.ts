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
      .catch(() => false);
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

export type { ComplianceScanResult };
