// The synthetic Azure and GCP inventories of bench/scan: N resources over a few targets
// (subscriptions, projects), resource i of a target computed on demand from (target, i), and
// served by the test fakes through generated arrays, so no inventory sits in memory. Tags follow
// the AWS inventory's mix (~70% comply; the rest fail BENCH_POLICY the ways real estates do), in
// each cloud's spelling: Azure tags as AWS's, GCP labels lowercase with the policy's gcp spellings.
import type { FakeArmResource, FakeSubscription } from '../../test/support/azure-fake.js';
import type { FakeAsset } from '../../test/support/gcp-fake.js';

export interface CloudShape {
  n: number;
  /** Subscriptions (Azure) or projects (GCP) the N resources are spread over. */
  targets: number;
}

/** Resource groups per subscription: they are resources too (ARM lists them apart). */
const GROUPS_PER_SUBSCRIPTION = 20;
const ENVS = ['production', 'staging', 'development', 'test'];
const TEAMS = ['platform', 'data', 'payments', 'growth'];
const ARM_TYPES = ['Microsoft.Compute/virtualMachines', 'Microsoft.Storage/storageAccounts', 'Microsoft.Network/networkInterfaces'];
const ASSET_TYPES = ['compute.googleapis.com/Instance', 'compute.googleapis.com/Disk', 'storage.googleapis.com/Bucket'];
const LOCATIONS = ['westeurope', 'eastus', 'northeurope', 'westus2'];
const GCP_LOCATIONS = ['us-central1', 'europe-west1', 'asia-east1', 'us-east4'];

/**
 * An array of `length` whose elements are made when read: the fakes page with slice() (and may
 * filter or search), which read elements one by one through these traps.
 */
export function generatedArray<T>(length: number, item: (i: number) => T): T[] {
  const index = (key: string | symbol): number | undefined => {
    if (typeof key !== 'string') return undefined;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < length && String(i) === key ? i : undefined;
  };
  return new Proxy(new Array<T>(length), {
    get: (target, key, receiver) => {
      const i = index(key);
      return i === undefined ? Reflect.get(target, key, receiver) : item(i);
    },
    has: (target, key) => index(key) !== undefined || Reflect.has(target, key),
  });
}

/** Resources in target t; the remainder of N goes to the first targets, so the sum is N. */
function share(shape: CloudShape, t: number): number {
  return Math.floor(shape.n / shape.targets) + (t < shape.n % shape.targets ? 1 : 0);
}

/** Resource groups are numbered apart from resources, so their tags roll on their own. */
const GROUP_INDEX = 1 << 30;

// ---- Azure --------------------------------------------------------------------------------

export const subscriptionId = (t: number) => `b0000000-0000-4000-8000-${String(t).padStart(12, '0')}`;

/** Tags of resource i of target t, and whether they comply: ~70% do, the rest fail in one of five ways. */
function armTags(t: number, i: number): { tags: Record<string, string>; compliant: boolean } {
  const roll = hash(t, i) % 100;
  const tags: Record<string, string> = {
    Name: `res-${i}`, Owner: `owner${i % 5000}@example.com`, Environment: ENVS[i % ENVS.length]!, CostCenter: `CC-${1000 + (i % 9000)}`,
    Application: `app-${i % 300}`, Team: TEAMS[i % TEAMS.length]!, Project: `proj-${i % 90}`, CreatedBy: 'terraform',
    'hidden-link:/app-insights-resource-id': `/subscriptions/${subscriptionId(t)}/x/${i % 700}`, ManagedBy: 'platform-team',
  };
  if (roll >= 70 && roll < 78) delete tags[['Owner', 'Environment', 'CostCenter', 'Application'][i % 4]!];
  else if (roll >= 78 && roll < 85) tags.Environment = 'prod';
  else if (roll >= 85 && roll < 92) tags.CostCenter = `cc${i % 10000}`;
  else if (roll >= 92 && roll < 96) {
    // Azure tag keys are case-insensitive: `environment` IS Environment there, so this one complies.
    delete tags.Environment;
    tags.environment = ENVS[i % ENVS.length]!;
  } else if (roll >= 96) tags.Application = '';
  return { tags, compliant: roll < 70 || (roll >= 92 && roll < 96) };
}

function armResource(t: number, i: number, group: boolean): FakeArmResource {
  const sub = subscriptionId(t);
  const { tags } = armTags(t, group ? GROUP_INDEX + i : i);
  if (group) return { id: `/subscriptions/${sub}/resourceGroups/rg-${i}`, name: `rg-${i}`, type: 'Microsoft.Resources/resourceGroups', location: LOCATIONS[i % 4]!, tags };
  const type = ARM_TYPES[i % ARM_TYPES.length]!;
  const rg = `rg-${i % GROUPS_PER_SUBSCRIPTION}`;
  return { id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/res-${i}`, name: `res-${i}`, type, location: LOCATIONS[i % 4]!, tags };
}

/** The subscriptions the Azure fake serves; each holds its share of N, resource groups included. */
export function azureSubscriptions(shape: CloudShape): FakeSubscription[] {
  return Array.from({ length: shape.targets }, (_, t) => {
    const total = share(shape, t);
    const groups = Math.min(GROUPS_PER_SUBSCRIPTION, total);
    return {
      subscriptionId: subscriptionId(t),
      resources: generatedArray(total - groups, (i) => armResource(t, i, false)),
      groups: generatedArray(groups, (i) => armResource(t, i, true)),
    };
  });
}

export function azureExpectedCompliant(shape: CloudShape): number {
  let compliant = 0;
  for (let t = 0; t < shape.targets; t++) {
    const total = share(shape, t);
    const groups = Math.min(GROUPS_PER_SUBSCRIPTION, total);
    for (let i = 0; i < total - groups; i++) if (armTags(t, i).compliant) compliant++;
    for (let i = 0; i < groups; i++) if (armTags(t, GROUP_INDEX + i).compliant) compliant++;
  }
  return compliant;
}

// ---- GCP ----------------------------------------------------------------------------------

export const gcpProject = (t: number) => `bench-project-${t}`;

function gcpLabels(t: number, i: number): { labels: Record<string, string>; compliant: boolean } {
  const roll = hash(t, i) % 100;
  const labels: Record<string, string> = {
    name: `res-${i}`, owner: `owner${i % 5000}_example_com`, environment: ENVS[i % ENVS.length]!, 'cost-center': `cc-${1000 + (i % 9000)}`,
    application: `app-${i % 300}`, team: TEAMS[i % TEAMS.length]!, project: `proj-${i % 90}`, 'created-by': 'terraform',
    'goog-dm': `stack-${i % 700}`, 'managed-by': 'platform-team',
  };
  if (roll >= 70 && roll < 78) delete labels[['owner', 'environment', 'cost-center', 'application'][i % 4]!];
  else if (roll >= 78 && roll < 85) labels.environment = 'prod';
  else if (roll >= 85 && roll < 92) labels['cost-center'] = `cc${i % 10000}`;
  else if (roll >= 92 && roll < 96) labels.owner = `9owner${i % 5000}`; // a label value the owner pattern refuses
  else if (roll >= 96) labels.application = '';
  return { labels, compliant: roll < 70 };
}

function gcpAsset(t: number, i: number): FakeAsset {
  const project = gcpProject(t);
  const assetType = ASSET_TYPES[i % ASSET_TYPES.length]!;
  const location = GCP_LOCATIONS[i % 4]!;
  const name = assetType === 'storage.googleapis.com/Bucket'
    ? `//storage.googleapis.com/projects/_/buckets/${project}-b${i}`
    : `//compute.googleapis.com/projects/${project}/zones/${location}-a/${assetType.endsWith('Disk') ? 'disks' : 'instances'}/r${i}`;
  return { name, assetType, project: `projects/${project}`, location, displayName: `r${i}`, labels: gcpLabels(t, i).labels };
}

/** The Cloud Asset fake's inventory: scope `projects/<project>` -> its share of N. */
export function gcpInventory(shape: CloudShape): Record<string, FakeAsset[]> {
  return Object.fromEntries(Array.from({ length: shape.targets }, (_, t) => [`projects/${gcpProject(t)}`, generatedArray(share(shape, t), (i) => gcpAsset(t, i))]));
}

export function gcpExpectedCompliant(shape: CloudShape): number {
  let compliant = 0;
  for (let t = 0; t < shape.targets; t++) for (let i = 0; i < share(shape, t); i++) if (gcpLabels(t, i).compliant) compliant++;
  return compliant;
}

/** A well-mixed 32-bit hash of two integers (murmur3's finaliser), as the AWS inventory's. */
function hash(t: number, i: number): number {
  let h = Math.imul(t + 101, 0x9e3779b1) ^ i;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
