// The seam every cloud implements: what a scan needs from a cloud, and nothing about how that
// cloud names things. Workflows and the shard activity see only these shapes; a new cloud is a
// folder under cloud/ with one CloudScanner, registered in the worker (see README: adding a cloud).
import { ApplicationFailure } from '@temporalio/common';
import type { Resource } from '../core/resource.js';

/** Clouds a scan can read. `inventory` reads a JSON inventory file: it proves the seam is not AWS-shaped. */
export type ScannerId = 'aws' | 'azure' | 'gcp' | 'inventory';

/**
 * One unit of paging: one source in one target and region. `source` is the scanner's own
 * description, small and JSON-safe (it travels through workflow history); `label` names the
 * shard in the Temporal UI and in failures (e.g. `s3:bucket`, `tagged:all`).
 */
export interface ShardSpec {
  region: string;
  label: string;
  source: unknown;
}

/** The targets (AWS accounts, Azure subscriptions, GCP projects, inventory files) a scan covers. */
export interface TargetList {
  targets: string[];
  /** Where they came from: the scope, config, the organisation, the caller … */
  source: string;
}

/** The shards of one target, and where its regions came from. */
export interface TargetPlan {
  regions: string[];
  regionSource: string;
  regionError?: string;
  shards: ShardSpec[];
  /** Shards of one target to run at once: the planning worker's setting for this cloud. */
  maxConcurrentShards: number;
}

/** One page of a shard; `next` resumes the shard after it (absent on the last page). */
export interface ShardPage {
  resources: Resource[];
  next?: string;
}

export interface CloudScanner {
  readonly id: ScannerId;
  /**
   * The scope's targets (refusing any outside what this worker may scan) or, when it names none,
   * every target this worker may scan. Fails when none can be scanned.
   */
  listTargets(requested: string[] | undefined): Promise<TargetList>;
  /** Regions and shards of one target; fails when the target cannot be reached at all. */
  planTarget(target: string, scope: { regions?: string[]; resourceTypes: string[] }): Promise<TargetPlan>;
  /** One page of a shard, from `token` (absent: the first page). Errors are the cloud's own. */
  fetchPage(target: string, shard: ShardSpec, token: string | undefined): Promise<ShardPage>;
  /** The token outlived its server-side state: the shard starts over (rows are upserts). */
  isExpiredToken(err: unknown): boolean;
  /** A cloud error as a typed activity failure (`AccessDenied`, `Throttled` …) without secrets. */
  toFailure(err: unknown, where: string): Error;
  /**
   * Tags read now for resource ids of this cloud; ids it cannot read map to an error. Cloud ids
   * (ARNs, Azure ids, GCP names) say where they live; `target` is for ids that do not (an inventory's).
   */
  readTags(ids: string[], target?: string): Promise<Map<string, LiveTags | { error: string }>>;
}

/** Tags read now; `type`, `region` and `account` when the read learnt them (GCP's search does), else the id says. */
export interface LiveTags {
  tags: Record<string, string>;
  type?: string;
  region?: string;
  account?: string;
}

/** The scanners a worker has, by cloud id. */
export class CloudScanners {
  private readonly byId = new Map<string, CloudScanner>();

  constructor(scanners: CloudScanner[]) {
    for (const scanner of scanners) this.byId.set(scanner.id, scanner);
  }

  /** The scanner of `cloud`; a cloud this worker cannot scan is bad input, not worth a retry. */
  get(cloud: string): CloudScanner {
    const scanner = this.byId.get(cloud);
    if (!scanner) {
      throw ApplicationFailure.create({
        type: 'InvalidInput', nonRetryable: true,
        message: `this worker cannot scan cloud "${cloud.slice(0, 40)}" (it scans: ${[...this.byId.keys()].join(', ')})`,
      });
    }
    return scanner;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
