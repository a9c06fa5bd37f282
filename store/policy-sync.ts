// The policy sync's state (which imported version is active, and why the last sync did or did
// not change it), and the one rule for which policy version is active: the version the sync
// activated, else the policy file. Scans and get_tagging_policy both resolve through it.
import { parsePolicy } from '../core/policy/index.js';
import { isoTime, isoTimeOrNull, jsonParam } from './columns.js';
import type { Db } from './db.js';
import type { Store } from './index.js';
import { loadPolicyFile, type LoadedPolicy } from './policy-file.js';

export type PolicySyncStatus = 'pending' | 'imported' | 'unchanged' | 'no_policy' | 'access_denied' | 'failed' | 'disabled';

export interface PolicySyncState {
  status: PolicySyncStatus;
  reason: string | null;
  activeVersionId: number | null;
  source: string | null;
  targetId: string | null;
  policyIds: string[];
  unsupported: unknown[];
  checkedAt: string;
  changedAt: string | null;
}

export interface PolicySyncOutcome {
  status: Exclude<PolicySyncStatus, 'disabled' | 'pending'>;
  reason?: string;
  targetId?: string;
  /** Set when status is 'imported': the version that becomes active. */
  activate?: { versionId: number; source: string; policyIds: string[]; unsupported: unknown[] };
}

interface Row {
  status: PolicySyncStatus;
  reason: string | null;
  active_version_id: string | number | null;
  source: string | null;
  target_id: string | null;
  policy_ids: string[] | null;
  unsupported: unknown[] | null;
  checked_at: Date;
  changed_at: Date | null;
}

function toState(row: Row): PolicySyncState {
  return {
    status: row.status, reason: row.reason,
    activeVersionId: row.active_version_id === null ? null : Number(row.active_version_id),
    source: row.source, targetId: row.target_id, policyIds: row.policy_ids ?? [], unsupported: row.unsupported ?? [],
    checkedAt: isoTime(row.checked_at), changedAt: isoTimeOrNull(row.changed_at),
  };
}

export function createPolicySyncQueries(db: Db) {
  return {
    async getPolicySyncState(): Promise<PolicySyncState | undefined> {
      const [row] = await db.query<Row>('select * from policy_sync_state');
      return row && toState(row);
    },

    /**
     * Records a sync run. Only an 'imported' outcome moves the active version; any other keeps it
     * (the current policy stays in force) and records why. A run that finishes after sync was
     * disabled records nothing (undefined): it must not re-activate an imported version.
     */
    async recordPolicySync(outcome: PolicySyncOutcome): Promise<PolicySyncState | undefined> {
      const a = outcome.activate;
      const [row] = await db.query<Row>(
        `insert into policy_sync_state as s (status, reason, target_id, active_version_id, source, policy_ids, unsupported, changed_at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, case when $4::bigint is null then null else now() end)
         on conflict (singleton) do update set
           status = excluded.status, reason = excluded.reason, target_id = coalesce(excluded.target_id, s.target_id),
           checked_at = now(),
           active_version_id = coalesce(excluded.active_version_id, s.active_version_id),
           source = coalesce(excluded.source, s.source),
           policy_ids = coalesce(excluded.policy_ids, s.policy_ids),
           unsupported = coalesce(excluded.unsupported, s.unsupported),
           changed_at = case when excluded.active_version_id is distinct from s.active_version_id
                              and excluded.active_version_id is not null then now() else s.changed_at end
         where s.status <> 'disabled'
         returning *`,
        [outcome.status, outcome.reason ?? null, outcome.targetId ?? null, a?.versionId ?? null, a?.source ?? null,
          a ? jsonParam(a.policyIds) : null, a ? jsonParam(a.unsupported) : null]);
      return row && toState(row);
    },

    /** Sync turned on (at startup): a disabled row becomes 'pending' until the first run records itself. */
    async enablePolicySync(): Promise<void> {
      await db.query(
        `insert into policy_sync_state (status, reason) values ('pending', 'policy sync enabled; the first run has not finished')
         on conflict (singleton) do update set status = excluded.status, reason = excluded.reason, checked_at = now()
         where policy_sync_state.status = 'disabled'`);
    },

    /** Sync turned off: the policy file is active again; the history of versions stays. */
    async disablePolicySync(): Promise<void> {
      await db.query(
        `insert into policy_sync_state (status, reason) values ('disabled', 'policy.source is file')
         on conflict (singleton) do update set status = 'disabled', reason = excluded.reason, active_version_id = null,
           source = null, policy_ids = null, unsupported = null, checked_at = now(),
           changed_at = case when policy_sync_state.active_version_id is null then policy_sync_state.changed_at else now() end`);
    },
  };
}

export interface ActivePolicy extends LoadedPolicy {
  /** The sync's state when a sync has ever run; says why an imported version is or is not active. */
  sync?: PolicySyncState;
}

/** The policy scans evaluate against: the version the sync activated, else the policy file. */
export async function loadActivePolicy(store: Store, policyPath: string): Promise<ActivePolicy> {
  const sync = await store.getPolicySyncState();
  if (sync?.activeVersionId != null) {
    const version = await store.getPolicyVersion(sync.activeVersionId);
    if (version) return { id: version.id, hash: version.hash, source: version.source, policy: parsePolicy(version.document), sync };
  }
  const loaded = await loadPolicyFile(store, policyPath);
  return sync ? { ...loaded, sync } : loaded;
}
