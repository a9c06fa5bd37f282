// The worker's Prometheus metrics: scans closed by status and trigger, shard duration, resources
// scanned, and cloud API calls, throttles and errors by cloud. Fed by the activity interceptor
// (metrics-interceptor.ts) and by completeScan; registered in the registry its owner passes.
// Labels are bounded: clouds and failure types from fixed lists, API names only when they have the
// shape the SDK counters produce (`s3:ListBuckets`, `arm:resources`), at most MAX_APIS per cloud.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { CloudCalls } from '../core/cloud-calls.js';

export const CLOUDS = ['aws', 'azure', 'gcp', 'inventory'] as const;
/** The failure types activities throw (activities/errors.ts, cloud/<provider>/errors.ts); others are `other`. */
export const FAILURE_TYPES = ['AccessDenied', 'Throttled', 'Unreachable', 'InvalidInput', 'NotFound', 'RegionNotEnabled',
  'UnexpectedResponse', 'NoCredentials', 'PolicyInvalid', 'Cancelled', 'Timeout', 'WorkerShutdown'] as const;
/** Distinct API label values per cloud; past it, calls count under `other`. */
export const MAX_APIS = 100;
/** `service:Operation` as the AWS counter names calls, `arm:<collection>` as the Azure one does. */
const API_SHAPE = /^[a-z][a-z0-9-]{0,30}:[A-Za-z][A-Za-z0-9]{0,60}$/;
/** Azure names calls by the path's last segment, which can be a resource's own name: only ARM collections are kept. */
const AZURE_APIS = new Set(['arm:resources', 'arm:resourcegroups', 'arm:subscriptions', 'arm:tags', 'arm:providers', 'arm:locations']);

const SHARD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export type ShardOutcome = 'ok' | 'failed' | 'cancelled';

export class WorkerMetrics {
  private readonly scans: Counter<'status' | 'trigger'>;
  private readonly shardSeconds: Histogram<'cloud' | 'outcome'>;
  private readonly resources: Counter<'cloud'>;
  private readonly calls: Counter<'cloud' | 'api'>;
  private readonly throttles: Counter<'cloud' | 'activity'>;
  private readonly errors: Counter<'cloud' | 'activity' | 'type'>;
  private readonly apis = new Map<string, Set<string>>();

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.scans = new Counter({ name: 'finops_scans_total', help: 'Scans closed, by final status and trigger', labelNames: ['status', 'trigger'], registers });
    this.shardSeconds = new Histogram({
      name: 'finops_shard_duration_seconds', help: 'Shard activity attempts: wall time by cloud and outcome',
      labelNames: ['cloud', 'outcome'], buckets: SHARD_BUCKETS, registers,
    });
    this.resources = new Counter({ name: 'finops_resources_scanned_total', help: 'Resources evaluated by shard activities, by cloud', labelNames: ['cloud'], registers });
    this.calls = new Counter({
      name: 'finops_cloud_api_calls_total', help: 'Cloud API requests sent (SDK retries included), by cloud and API', labelNames: ['cloud', 'api'], registers,
    });
    this.throttles = new Counter({
      name: 'finops_cloud_throttles_total', help: 'Activity attempts that failed because the cloud throttled them, by cloud and activity',
      labelNames: ['cloud', 'activity'], registers,
    });
    this.errors = new Counter({
      name: 'finops_cloud_errors_total', help: 'Activity attempts of cloud work that failed, by cloud, activity and failure type',
      labelNames: ['cloud', 'activity', 'type'], registers,
    });
  }

  scanClosed(status: string, trigger: string): void {
    this.scans.inc({ status: oneOf(status, ['completed', 'failed', 'cancelled']), trigger: oneOf(trigger, ['adhoc', 'scheduled']) });
  }

  shardFinished(cloud: string, outcome: ShardOutcome, seconds: number, resources: number): void {
    this.shardSeconds.observe({ cloud: cloudLabel(cloud), outcome }, seconds);
    if (resources > 0) this.resources.inc({ cloud: cloudLabel(cloud) }, resources);
  }

  cloudCalls(cloud: string, calls: CloudCalls | undefined): void {
    const label = cloudLabel(cloud);
    for (const [api, n] of Object.entries(calls ?? {})) {
      if (Number.isFinite(n) && n > 0) this.calls.inc({ cloud: label, api: this.apiLabel(label, api) }, n);
    }
  }

  cloudFailure(cloud: string, activity: string, type: string): void {
    const labels = { cloud: cloudLabel(cloud), activity };
    if (type === 'Throttled') this.throttles.inc(labels);
    this.errors.inc({ ...labels, type: oneOf(type, FAILURE_TYPES) });
  }

  private apiLabel(cloud: string, api: string): string {
    if (!API_SHAPE.test(api) || (cloud === 'azure' && !AZURE_APIS.has(api))) return 'other';
    let seen = this.apis.get(cloud);
    if (!seen) this.apis.set(cloud, (seen = new Set()));
    if (seen.has(api)) return api;
    if (seen.size >= MAX_APIS) return 'other';
    seen.add(api);
    return api;
  }
}

function oneOf(value: string, allowed: readonly string[]): string {
  return allowed.includes(value) ? value : 'other';
}

function cloudLabel(cloud: string): string {
  return oneOf(cloud, CLOUDS);
}
