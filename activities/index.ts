// Builds every activity from injected dependencies; tests pass real local ones.
import type { Store } from '../store/index.js';
import type { AwsClients } from '../cloud/aws/clients.js';
import { createAwsScanner, type AwsScanSettings } from '../cloud/aws/scanner.js';
import type { AzureClientSettings } from '../cloud/azure/clients.js';
import { createAzureScanner } from '../cloud/azure/scanner.js';
import { createGcpClients, type GcpSettings } from '../cloud/gcp/clients.js';
import { createGcpScanner } from '../cloud/gcp/scanner.js';
import { createInventoryScanner } from '../cloud/inventory/scanner.js';
import { CloudScanners, type CloudScanner } from '../cloud/scanner.js';
import { CompiledPolicyCache } from '../store/policy-file.js';
import { createPlanActivities } from './aws/plan.js';
import { createShardActivity } from './aws/shard.js';
import { createInventoryActivities } from './inventory.js';
import { createNotificationActivities, type NotificationSettings } from './notifications.js';
import { createScanActivities, type ScanClosedListener } from './scans.js';
import { createScanPlanActivities } from './scan-plan.js';
import { createPolicySyncActivities } from './policy-sync.js';
import { createShardActivities } from './shard.js';
import { createTargetActivities } from './targets.js';

export interface ActivityDeps {
  store: Store;
  policyPath: string;
  aws: AwsClients;
  /** The worker's config clouds.aws: accounts and regions when a scope names none, shard concurrency. */
  awsDefaults?: AwsScanSettings;
  /** The worker's config clouds.azure; unset: no credential, so Azure targets fail naming what to set. */
  azure?: AzureClientSettings;
  /** The worker's config clouds.gcp (scopes, endpoint, credentials); unset: no scopes, so GCP targets fail naming what to set. */
  gcp?: GcpSettings;
  /** Scanners of further clouds (or replacements, by id); AWS and inventory files are built in. */
  scanners?: CloudScanner[];
  /** Scheduled scans' notification settings (config scheduledCompliance.notifications); unset: none configured. */
  notifications?: NotificationSettings;
  /** Told when a scan reaches its final status (the worker's scan metrics). */
  onScanClosed?: ScanClosedListener;
  /** Aborted when the worker starts shutting down (see ShardDeps.draining). */
  draining?: AbortSignal;
}

export function createActivities(deps: ActivityDeps) {
  const policies = new CompiledPolicyCache(deps.store);
  const aws = createAwsScanner(deps.aws, deps.awsDefaults ?? {});
  const inventory = createInventoryScanner();
  const azure = createAzureScanner(deps.azure ?? {});
  // Built lazily on first use: a worker that never scans GCP never resolves its credentials.
  const gcp = createGcpScanner(createGcpClients(deps.gcp ?? {}), deps.gcp ?? {});
  const scanners = new CloudScanners([aws, inventory, azure, gcp, ...(deps.scanners ?? [])]);
  const shardDeps = { store: deps.store, policies, draining: deps.draining };
  return {
    ...createScanActivities(deps.store, deps.policyPath, deps.onScanClosed),
    ...createScanPlanActivities(deps.store),
    ...createPolicySyncActivities(deps.store, deps.aws),
    ...createTargetActivities(scanners),
    ...createShardActivities(shardDeps, scanners),
    // The activities of workflows started before the cloud seam, so they finish on this worker.
    ...createPlanActivities(aws),
    ...createShardActivity(shardDeps, aws),
    ...createInventoryActivities(shardDeps, inventory),
    ...createNotificationActivities(deps.store, deps.notifications ?? NO_NOTIFICATIONS),
  };
}

const NO_NOTIFICATIONS: NotificationSettings = { notifyOnFailure: false, emailRecipients: [], emailFrom: 'finops-tag-compliance@localhost', smtp: { port: 587, secure: false } };

export type Activities = ReturnType<typeof createActivities>;
