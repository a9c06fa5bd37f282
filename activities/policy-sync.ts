// Policy sync activities: read the organisation's effective tag policy for one account, and make
// it the active policy version when (and only when) its converted hash differs from the active
// one. A missing policy or a denied permission keeps the current policy and records why; only
// transient AWS failures are thrown, for Temporal to retry.
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import type { AwsClients } from '../cloud/aws/clients.js';
import { inheritedTagPolicies, TagPolicyAccessError } from '../cloud/aws/tag-policies.js';
import { HOME_REGION } from '../core/aws/resource-types.js';
import {
  convertAwsOrgTagPolicy, describeUnsupported, mergeTagPolicies, PolicyValidationError, TagPolicyMergeError,
} from '../core/policy/index.js';
import { policyHash, type Store } from '../store/index.js';
import type { PolicySyncStatus } from '../store/policy-sync.js';

export interface PolicySyncInput {
  /** Account (or OU) whose effective tag policy is imported; default: the management account. */
  targetId?: string;
}

export interface PolicySyncResult {
  status: Exclude<PolicySyncStatus, 'pending'>;
  /** The active imported version after the run, if any. */
  versionId?: number;
  hash?: string;
  source?: string;
  reason?: string;
}

/** What an activity reports when it keeps the current policy: the words the store records. */
const KEEP_CURRENT: Record<string, Extract<PolicySyncStatus, 'access_denied' | 'no_policy' | 'failed'>> = {
  AccessDenied: 'access_denied',
  NotInOrganization: 'no_policy',
  PolicyNotFound: 'failed',
};

export function createPolicySyncActivities(store: Store, aws: AwsClients) {
  return {
    async syncAwsTagPolicy(input: PolicySyncInput): Promise<PolicySyncResult> {
      const state = await store.getPolicySyncState();
      // Turned off (policy.source: file) after this run was scheduled: the file stays active.
      if (state?.status === 'disabled') return { status: 'disabled', reason: state.reason ?? undefined };
      const home = await aws.sessions.homeAccount();
      const targetId = input.targetId ?? home;
      const client = aws.client('organizations', home, HOME_REGION);
      let layers;
      try {
        layers = await inheritedTagPolicies(client, targetId);
      } catch (err) {
        if (!(err instanceof TagPolicyAccessError)) throw err;
        const status = KEEP_CURRENT[err.type];
        if (!status) {
          // Throttled, unreachable …: Temporal retries; the workflow records the last failure.
          log.warn('tag policy read failed', { type: err.type, detail: err.detail });
          throw ApplicationFailure.create({ type: err.type, message: err.message });
        }
        await store.recordPolicySync({ status, reason: err.message, targetId });
        return { status, reason: err.message };
      }
      if (layers.length === 0) {
        const reason = `no tag policy applies to ${targetId} (none attached to it, its OUs or the root)`;
        await store.recordPolicySync({ status: 'no_policy', reason, targetId });
        return { status: 'no_policy', reason };
      }
      let document;
      let unsupported;
      try {
        const merged = mergeTagPolicies(layers);
        unsupported = merged.unsupported;
        document = convertAwsOrgTagPolicy(merged.policy);
      } catch (err) {
        if (!(err instanceof TagPolicyMergeError || err instanceof PolicyValidationError)) throw err;
        const reason = `the organisation's tag policy could not be converted: ${err.message}`;
        await store.recordPolicySync({ status: 'failed', reason, targetId });
        return { status: 'failed', reason };
      }
      const policyIds = layers.map((l) => l.policyId);
      const source = `aws-organizations:${policyIds.join(',')}`;
      const hash = policyHash(document);
      const active = state?.activeVersionId != null ? await store.getPolicyVersion(state.activeVersionId) : undefined;
      const note = describeUnsupported(unsupported);
      if (active?.hash === hash) {
        // Nothing new: no policy version is written, only when we last looked.
        await store.recordPolicySync({ status: 'unchanged', reason: note, targetId });
        return { status: 'unchanged', versionId: active.id, hash, source: active.source, reason: note };
      }
      const version = await store.savePolicyVersion({ source, document });
      await store.recordPolicySync({
        status: 'imported', reason: note, targetId,
        activate: { versionId: version.id, source: version.source, policyIds, unsupported },
      });
      return { status: 'imported', versionId: version.id, hash: version.hash, source: version.source, reason: note };
    },

    /** The sync's last attempt failed for good (retries spent): keep the policy, say why. */
    async recordPolicySyncFailure(input: { reason: string; targetId?: string }): Promise<void> {
      await store.recordPolicySync({ status: 'failed', reason: input.reason, targetId: input.targetId });
    },
  };
}
