// /ready: whether this gateway can serve scans now, for a load balancer or an orchestrator's
// readiness probe. Stricter than /health: besides Temporal, the database and the policy, a worker
// must be polling the task queue (both its workflow and its activity side), or a started scan would
// only wait. Each check has a short timeout; the reply names what failed, without secrets.
import { loadActivePolicy } from '../store/policy-sync.js';
import type { GatewayDeps } from './context.js';
import { publicMessage, redactSecrets } from './errors.js';

/** A poller seen within this window counts as a live worker (Temporal keeps pollers listed a while after they stop). */
export const POLLER_WINDOW_MS = 2 * 60_000;
/** Each check gives up after this long: a probe answers within a few seconds, whatever hangs. */
export const READY_CHECK_TIMEOUT_MS = 3000;

export interface ReadyCheck {
  ok: boolean;
  error?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  /** The names of the failing checks, in a stable order. */
  failing: string[];
  checks: {
    temporal: ReadyCheck & { namespace: string };
    database: ReadyCheck;
    policy: ReadyCheck & { versionId?: number };
    workers: ReadyCheck & { taskQueue: string; workflowPollers?: number; activityPollers?: number };
  };
}

async function check<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_CHECK_TIMEOUT_MS} ms`)), READY_CHECK_TIMEOUT_MS);
  });
  try {
    return { ok: true, value: await Promise.race([fn(), timeout]) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? redactSecrets(err.message) : publicMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** temporal.api.enums.v1.TaskQueueType: the two sides a worker polls. */
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function timestampMs(ts: Timestamp): number {
  if (!ts) return 0;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds?.toNumber() ?? 0;
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/**
 * A Temporal call with a gRPC deadline just inside the check's timeout: the client's retries of an
 * unreachable server end with the call, instead of going on after the probe has answered.
 */
function temporalCall<T>(deps: GatewayDeps, fn: () => Promise<T>): Promise<T> {
  return deps.temporal.connection.withDeadline(Date.now() + READY_CHECK_TIMEOUT_MS - 250, fn);
}

/** Pollers of one side of the task queue seen within POLLER_WINDOW_MS. */
async function livePollers(deps: GatewayDeps, taskQueueType: number, now: number): Promise<number> {
  const { namespace, taskQueue } = deps.config.temporal;
  const reply = await temporalCall(deps, () => deps.temporal.connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType }));
  return (reply.pollers ?? []).filter((p) => now - timestampMs(p.lastAccessTime) <= POLLER_WINDOW_MS).length;
}

export async function checkReadiness(deps: GatewayDeps): Promise<ReadinessReport> {
  const now = Date.now();
  const [temporalCheck, database, policy, pollers] = await Promise.all([
    check(() => temporalCall(deps, () => deps.temporal.connection.workflowService.getSystemInfo({}))),
    check(() => deps.store.ping()),
    check(() => loadActivePolicy(deps.store, deps.config.policy.path)),
    check(async () => {
      const [workflowPollers, activityPollers] = await Promise.all([
        livePollers(deps, TASK_QUEUE_TYPE_WORKFLOW, now), livePollers(deps, TASK_QUEUE_TYPE_ACTIVITY, now),
      ]);
      if (workflowPollers === 0 || activityPollers === 0) {
        throw new Error(`no worker polled task queue ${deps.config.temporal.taskQueue} in the last ${POLLER_WINDOW_MS / 1000} s `
          + `(workflow pollers ${workflowPollers}, activity pollers ${activityPollers}): start a worker`);
      }
      return { workflowPollers, activityPollers };
    }),
  ]);
  const fail = (c: { ok: boolean; error?: string }): { error?: string } => (c.ok ? {} : { error: c.error });
  const checks: ReadinessReport['checks'] = {
    temporal: { ok: temporalCheck.ok, namespace: deps.config.temporal.namespace, ...fail(temporalCheck) },
    database: { ok: database.ok, ...fail(database) },
    policy: { ok: policy.ok, ...(policy.ok ? { versionId: policy.value.id } : { error: policy.error }) },
    workers: { ok: pollers.ok, taskQueue: deps.config.temporal.taskQueue, ...(pollers.ok ? pollers.value : { error: pollers.error }) },
  };
  const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
  return { status: failing.length === 0 ? 'ready' : 'not_ready', failing, checks };
}
