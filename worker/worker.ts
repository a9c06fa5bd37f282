// Worker bootstrap: registers the workflows and activities on the task queue.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { createActivities } from '../activities/index.js';
import { buildWorkflowBundle } from './workflow-bundle.js';
import { awsClientsFrom, type AwsClients } from '../cloud/aws/clients.js';
import type { Store } from '../store/index.js';
import { observedWorkerOptions, sdkMetricsTelemetry, type WorkerObservability } from './observability.js';

/** How long after the grace period the SDK stops waiting for activities that ignore cancellation. */
const SDK_FORCE_AFTER_GRACE_MS = 3_000;
/** How long after the grace period the CLI exits whatever is still running. */
export const SHUTDOWN_DEADLINE_AFTER_GRACE_MS = 5_000;

let runtimeInstalled = false;

/** Per worker: aborted when it is asked to shut down, so shard activities stop at their next page. */
const drainSignals = new WeakMap<Worker, AbortController>();

/** Routes the SDK's own logs into our logger once per process. */
function installRuntime(logger: Logger, sdkMetricsAddress?: string): void {
  if (runtimeInstalled) {
    if (sdkMetricsAddress) logger.warn({ sdkMetricsAddress }, 'the Temporal runtime is already installed in this process: its Prometheus exporter is not started');
    return;
  }
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level === 'ERROR' ? 'error' : 'warn';
      logger[level]({ sdk: entry.meta }, entry.message);
    }),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} }, ...sdkMetricsTelemetry(sdkMetricsAddress) },
    // The SDK would otherwise shut workers down on its own at SIGINT/SIGTERM, racing the CLI's
    // ordered shutdown (and making the CLI's own worker.shutdown() fail with "Not running").
    shutdownSignals: [],
  });
}

export interface WorkerDeps {
  config: Config;
  address: string;
  store: Store;
  logger: Logger;
  /** The process's AWS clients (its owner destroys them); else the worker builds its own from config. */
  aws?: AwsClients;
  /** Metrics and tracing of this worker (observability.ts); absent: neither. */
  observability?: WorkerObservability;
}

export async function createWorker(deps: WorkerDeps): Promise<{ worker: Worker; connection: NativeConnection; aws: AwsClients }> {
  installRuntime(deps.logger, deps.observability?.sdkMetricsAddress);
  const observed = observedWorkerOptions(deps.observability);
  const aws = deps.config.clouds.aws;
  const clients = deps.aws ?? awsClientsFrom(deps.config);
  const connection = await NativeConnection.connect({ address: deps.address });
  const bundle = await buildWorkflowBundle(observed.workflowInterceptorModules);
  const draining = new AbortController();
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    workflowBundle: { codePath: bundle },
    ...observed.workerOptions,
    // Running activities get the grace period, then are cancelled (a cancelled attempt is failed,
    // so Temporal retries it); the SDK gives up waiting 3 s later, before the CLI's deadline.
    shutdownGraceTime: deps.config.temporal.workerShutdownGraceSeconds * 1000,
    shutdownForceTime: deps.config.temporal.workerShutdownGraceSeconds * 1000 + SDK_FORCE_AFTER_GRACE_MS,
    // Shards wait on the network and on the call budgets, not the CPU; each holds about one flush of
    // rows (about a megabyte). See README "Worker concurrency" for how the default was chosen.
    maxConcurrentActivityTaskExecutions: deps.config.temporal.maxConcurrentActivities,
    activities: createActivities({
      draining: draining.signal,
      store: deps.store, policyPath: deps.config.policy.path, aws: clients,
      awsDefaults: { accounts: aws.accounts, regions: aws.regions, maxConcurrentShards: aws.maxConcurrentShards, logger: deps.logger },
      notifications: deps.config.scheduledCompliance.notifications,
      azure: deps.config.clouds.azure,
      gcp: deps.config.clouds.gcp,
      ...observed.activityDeps,
    }),
  });
  drainSignals.set(worker, draining);
  await rm(path.dirname(bundle), { recursive: true, force: true });
  return { worker, connection, aws: clients };
}

/** Asks a worker to stop polling and drain; a no-op once it is already stopping (a second Ctrl-C). */
export function requestWorkerShutdown(worker: Worker): void {
  if (worker.getState() !== 'RUNNING') return;
  // Before the SDK stops polling: running shards write what they read, heartbeat and hand over.
  drainSignals.get(worker)?.abort();
  worker.shutdown();
}

/** What a draining worker still holds, for the log line when the shutdown deadline passes. */
export function describeWorker(worker: Worker): Record<string, unknown> {
  const status = worker.getStatus();
  return { state: worker.getState(), activitiesRunning: status.numInFlightActivities, workflowTasksRunning: status.numInFlightWorkflowActivations };
}
