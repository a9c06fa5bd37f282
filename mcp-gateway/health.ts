// /health: whether Temporal, the database and the policy source are usable right now.
import { defaultScheduleHealth } from '../client/schedules.js';
import { policySourceName } from '../store/policy-file.js';
import { loadActivePolicy, type PolicySyncState } from '../store/policy-sync.js';
import type { GatewayDeps } from './context.js';
import { publicMessage, redactSecrets } from './errors.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  temporal: { ok: boolean; namespace: string; error?: string };
  database: { ok: boolean; kind: string; error?: string };
  /** The policy scans use now; `sync` says how the last sync from AWS Organizations went (informative). */
  policy: { ok: boolean; source: string; versionId?: number; hash?: string; error?: string; sync?: PolicySyncHealth };
  /** Audit rows lost for good since the gateway started; recent losses degrade the status. */
  audit: { ok: boolean; failedWrites: number; lastFailureAt: string | null };
  /** The default scheduled audit, read from Temporal: null when it does not exist. Informative: never degrades the status. */
  scheduledAudit?: Awaited<ReturnType<typeof defaultScheduleHealth>> | { error: string };
}

export type PolicySyncHealth = Pick<PolicySyncState, 'status' | 'reason' | 'checkedAt' | 'activeVersionId'>;

/** A lost audit row keeps /health degraded this long: long enough for a probe to notice it. */
export const AUDIT_FAILURE_WINDOW_MS = 5 * 60_000;

async function probe<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await withTimeout(fn(), 3000) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? redactSecrets(err.message) : publicMessage(err) };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkHealth(deps: GatewayDeps, dbKind: string): Promise<HealthReport> {
  const [temporal, database, policy, scheduled] = await Promise.all([
    probe(() => deps.temporal.connection.workflowService.getSystemInfo({})),
    probe(() => deps.store.ping()),
    probe(() => loadActivePolicy(deps.store, deps.config.policy.path)),
    probe(() => defaultScheduleHealth(deps.temporal)),
  ]);
  const failures = deps.store.auditFailures();
  const auditOk = failures.lastFailureAt === null || Date.now() - Date.parse(failures.lastFailureAt) > AUDIT_FAILURE_WINDOW_MS;
  const report: HealthReport = {
    status: temporal.ok && database.ok && policy.ok && auditOk ? 'ok' : 'degraded',
    temporal: { ok: temporal.ok, namespace: deps.config.temporal.namespace, ...(temporal.ok ? {} : { error: temporal.error }) },
    database: { ok: database.ok, kind: dbKind, ...(database.ok ? {} : { error: database.error }) },
    policy: policy.ok
      ? { ok: true, source: policy.value.source, versionId: policy.value.id, hash: policy.value.hash, ...syncOf(policy.value.sync) }
      : { ok: false, source: `file:${policySourceName(deps.config.policy.path)}`, error: policy.error },
    audit: { ok: auditOk, ...failures },
    scheduledAudit: scheduled.ok ? scheduled.value : { error: scheduled.error },
  };
  return report;
}

/** A sync that never ran (or was turned off) says nothing; otherwise its status and why. */
function syncOf(sync: PolicySyncState | undefined): { sync?: PolicySyncHealth } {
  if (!sync || sync.status === 'disabled') return {};
  return { sync: { status: sync.status, reason: sync.reason, checkedAt: sync.checkedAt, activeVersionId: sync.activeVersionId } };
}
