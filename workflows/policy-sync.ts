// policySync: brings the organisation's tag policy in as the active policy version when it
// changed. Started by its Temporal Schedule (every few hours) and once at startup; the work and
// the decision are in the activity, so a run is one activity plus, when AWS kept failing, a note.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PolicySyncInput, PolicySyncResult } from '../activities/policy-sync.js';
import { failureOf } from './failures.js';

const { syncAwsTagPolicy } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Throttling and an unreachable endpoint are worth a few tries; permission problems never reach
  // here as failures (the activity records them and returns).
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: ['InvalidInput'] },
});
const { recordPolicySyncFailure } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10 },
});

export async function policySync(input: PolicySyncInput = {}): Promise<PolicySyncResult> {
  try {
    return await syncAwsTagPolicy(input);
  } catch (err) {
    const { errorType, reason } = failureOf(err, { account: input.targetId ?? '*', target: 'organizations' });
    const message = `${errorType}: ${reason}`;
    await recordPolicySyncFailure({ reason: message, targetId: input.targetId });
    return { status: 'failed', reason: message };
  }
}
