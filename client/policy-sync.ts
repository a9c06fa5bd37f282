// The policySync Temporal Schedule, from config, idempotently: with policy.source
// `aws-organizations` the schedule exists (created, or updated in place on a config change) and
// one run is triggered now; with `file` the schedule is deleted and the policy file is active
// again. Called once at startup by the process that owns the Temporal client.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/index.js';
import type { Store } from '../store/index.js';
import { policySync, type PolicySyncInput } from '../workflows/contract.js';

/** A stable id: redeploying never makes a second schedule. */
export const POLICY_SYNC_SCHEDULE_ID = 'policy-sync';
/** A sync missed while the server was down runs on return if it is at most this late; older ones are skipped (the next run catches up anyway). */
const CATCHUP_WINDOW = '1 hour';

export type PolicySyncScheduleOutcome = 'created' | 'updated' | 'deleted' | 'absent';

export async function ensurePolicySyncSchedule(client: Client, store: Store, config: Config): Promise<PolicySyncScheduleOutcome> {
  const handle = client.schedule.getHandle(POLICY_SYNC_SCHEDULE_ID);
  if (config.policy.source !== 'aws-organizations') {
    await store.disablePolicySync();
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'absent';
      throw err;
    }
  }
  await store.enablePolicySync();
  const input: PolicySyncInput = config.policy.sync.targetId ? { targetId: config.policy.sync.targetId } : {};
  const spec = { intervals: [{ every: `${Math.round(config.policy.sync.intervalHours * 60)} minutes` as const }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: policySync,
    args: [input] as [PolicySyncInput],
    taskQueue: config.temporal.taskQueue,
    workflowId: 'policy-sync',
  };
  let outcome: PolicySyncScheduleOutcome;
  try {
    await handle.update((previous) => ({ ...previous, spec, action }));
    outcome = 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({
        scheduleId: POLICY_SYNC_SCHEDULE_ID,
        spec,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
      });
      outcome = 'created';
    } catch (createErr) {
      // Another replica started at the same moment and created it: ours is then an update.
      if (!(createErr instanceof ScheduleAlreadyRunning)) throw createErr;
      await handle.update((previous) => ({ ...previous, spec, action }));
      outcome = 'updated';
    }
  }
  // The startup run: under the schedule (so it shows there in the UI), skipped if one is running.
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  return outcome;
}
