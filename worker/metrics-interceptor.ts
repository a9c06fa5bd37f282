// Measures the worker's cloud work from the outside of its activities, so the activities stay
// about scanning: each attempt of a shard or planning activity is timed, its resources and cloud
// calls (from its result, or from the details a failed attempt carries: activities/failure-calls.ts)
// counted, and a failure counted by its type. Every attempt counts: a retried shard sent its calls.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { CloudCalls } from '../core/cloud-calls.js';
import type { WorkerMetrics } from './metrics.js';

/** Activities that page a shard (the seam's, and those kept for runs from before it). */
const SHARD_ACTIVITIES = new Set(['scanShard', 'scanAwsShard', 'evaluateInventoryFile']);
/** Activities that call a cloud to plan; the cloud is in their input, or implied by their name. */
const PLANNING_ACTIVITIES = new Set(['planTargets', 'planTargetShards', 'planAwsAccounts', 'planAccountShards']);
const IMPLIED_CLOUD: Record<string, string> = {
  scanAwsShard: 'aws', planAwsAccounts: 'aws', planAccountShards: 'aws', evaluateInventoryFile: 'inventory',
};

function cloudOf(activity: string, input: unknown): string {
  const named = (input as { cloud?: unknown } | null)?.cloud;
  return typeof named === 'string' ? named : IMPLIED_CLOUD[activity] ?? 'other';
}

function callsOf(value: unknown): CloudCalls | undefined {
  const calls = (value as { calls?: unknown } | null)?.calls;
  return calls && typeof calls === 'object' ? calls as CloudCalls : undefined;
}

function failureType(err: unknown): string {
  if (err instanceof CancelledFailure) return 'Cancelled';
  if (err instanceof ApplicationFailure) return err.type ?? 'Error';
  return err instanceof Error ? err.name : 'Error';
}

export function activityMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const shard = SHARD_ACTIVITIES.has(activity);
        if (!shard && !PLANNING_ACTIVITIES.has(activity)) return next(input);
        const cloud = cloudOf(activity, input.args[0]);
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const result = await next(input);
          metrics.cloudCalls(cloud, callsOf(result));
          if (shard) metrics.shardFinished(cloud, 'ok', seconds(), Number((result as { resources?: unknown } | null)?.resources) || 0);
          return result;
        } catch (err) {
          const type = failureType(err);
          const details = err instanceof ApplicationFailure ? err.details?.[0] : undefined;
          metrics.cloudCalls(cloud, callsOf(details));
          if (shard) metrics.shardFinished(cloud, type === 'Cancelled' ? 'cancelled' : 'failed', seconds(), 0);
          if (type !== 'Cancelled') metrics.cloudFailure(cloud, activity, type);
          throw err;
        }
      },
    },
  });
}
