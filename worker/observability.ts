// What a worker adds to itself to be observed: the activity metrics interceptor and the scan
// counter (metrics.ts), the Temporal SDK's own Prometheus exporter, and tracing interceptors
// (tracing.ts). Kept apart from worker.ts so the bootstrap stays about polling and draining.
import type { WorkerOptions } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/index.js';
import type { WorkerMetrics } from './metrics.js';
import { activityMetricsInterceptor } from './metrics-interceptor.js';
import { tracingActivityInterceptors, tracingSinks, tracingWorkflowModules, type Tracing } from './tracing.js';

export interface WorkerObservability {
  metrics?: WorkerMetrics;
  /** host:port of the SDK core's Prometheus exporter (temporal_* metrics); set once per process. */
  sdkMetricsAddress?: string;
  /** The process's tracing (tracing.ts), when tracing.enabled. */
  tracing?: Tracing;
}

/** The Runtime's telemetry metrics option: a Prometheus endpoint for the SDK's worker metrics. */
export function sdkMetricsTelemetry(address: string | undefined): { metrics?: { prometheus: { bindAddress: string } } } {
  return address ? { metrics: { prometheus: { bindAddress: address } } } : {};
}

export interface ObservedWorkerOptions {
  workerOptions: Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  activityDeps: Pick<ActivityDeps, 'onScanClosed'>;
  /** Workflow interceptor modules to bundle with the workflows. */
  workflowInterceptorModules: string[];
}

export function observedWorkerOptions(observability: WorkerObservability | undefined): ObservedWorkerOptions {
  const metrics = observability?.metrics;
  const tracing = observability?.tracing;
  // Tracing outermost: the metrics interceptor's time is then inside the activity's span.
  const activity = [...(tracing ? tracingActivityInterceptors() : []), ...(metrics ? [activityMetricsInterceptor(metrics)] : [])];
  return {
    workerOptions: {
      ...(activity.length ? { interceptors: { activity } } : {}),
      ...(tracing ? { sinks: tracingSinks(tracing) } : {}),
    },
    activityDeps: metrics ? { onScanClosed: ({ status, trigger }) => metrics.scanClosed(status, trigger) } : {},
    workflowInterceptorModules: tracing ? tracingWorkflowModules() : [],
  };
}
