// The synthetic AWS inventory of bench/scan: which accounts and regions exist, how many resources
// each account x region holds, and resource i there, computed on demand from (account, region, i)
// so that a million resources never sit in memory. Also the policy the tags are written against:
// ~70% of resources comply, the rest fail it in the ways real estates do.

export const ACCOUNTS = Array.from({ length: 100 }, (_, k) => String(100_000_000_001 + k));
export const REGIONS = [
  'us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2', 'eu-central-1', 'us-east-2',
  'ap-northeast-1', 'eu-west-2', 'ca-central-1', 'sa-east-1', 'ap-south-1', 'eu-north-1',
];
export const RESOURCE_TYPES = ['sqs:queue', 'sns:topic'];

/** What the policy's rules apply to: the AWS types, and every Azure and GCP type of the cloud variants. */
const POLICY_TYPES = [...RESOURCE_TYPES, 'azure:*', 'gcp:*'];

/**
 * Tagging policy of the bench: four required tags, keys case-sensitive (Azure's keys are
 * case-insensitive whatever it says); GCP labels spell them lowercase, the owner's email and the
 * cost center in label-safe forms.
 */
export const BENCH_POLICY = {
  version: 'bench-scan',
  required_tags: [
    { name: 'Owner', validation_regex: '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$', applies_to: POLICY_TYPES,
      cloud_spellings: { gcp: { keys: ['owner'], validation_regex: '^[a-z][a-z0-9_-]{0,62}$' } } },
    { name: 'Environment', allowed_values: ['production', 'staging', 'development', 'test'], applies_to: POLICY_TYPES,
      cloud_spellings: { gcp: { keys: ['environment'] } } },
    { name: 'CostCenter', validation_regex: '^CC-[0-9]{4}$', applies_to: POLICY_TYPES,
      cloud_spellings: { gcp: { keys: ['cost-center'], validation_regex: '^cc-[0-9]{4}$' } } },
    { name: 'Application', applies_to: POLICY_TYPES, cloud_spellings: { gcp: { keys: ['application'] } } },
  ],
  optional_tags: [{ name: 'Team', allowed_values: ['platform', 'data', 'payments', 'growth'], cloud_spellings: { gcp: { keys: ['team'] } } }],
  tag_naming_rules: { case_sensitivity: true, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
};

export interface InventoryShape {
  n: number;
  accounts: number;
  regions: number;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface SyntheticResource {
  arn: string;
  type: string;
  tags: Tag[];
  compliant: boolean;
}

const ENVS = ['production', 'staging', 'development', 'test'];
const TEAMS = ['platform', 'data', 'payments', 'growth'];

export class Inventory {
  readonly accounts: string[];
  readonly regions: string[];

  constructor(readonly shape: InventoryShape) {
    if (shape.accounts > ACCOUNTS.length || shape.regions > REGIONS.length) {
      throw new Error(`at most ${ACCOUNTS.length} accounts and ${REGIONS.length} regions`);
    }
    this.accounts = ACCOUNTS.slice(0, shape.accounts);
    this.regions = REGIONS.slice(0, shape.regions);
  }

  /** Resources in one account x region; the remainder of N goes to the first ones, so the sum is N. */
  count(account: string, region: string): number {
    const shard = this.shardIndex(account, region);
    if (shard < 0) return 0;
    const shards = this.accounts.length * this.regions.length;
    return Math.floor(this.shape.n / shards) + (shard < this.shape.n % shards ? 1 : 0);
  }

  /** Resource i of an account x region: an SQS queue, or an SNS topic one time in four. */
  resource(account: string, region: string, i: number): SyntheticResource {
    const roll = hash(this.shardIndex(account, region), i) % 100;
    const topic = i % 4 === 3;
    const arn = topic ? `arn:aws:sns:${region}:${account}:topic-${i}` : `arn:aws:sqs:${region}:${account}:queue-${i}`;
    const tags: Tag[] = [
      { Key: 'Name', Value: topic ? `topic-${i}` : `queue-${i}` },
      { Key: 'Owner', Value: `owner${i % 5000}@example.com` },
      { Key: 'Environment', Value: ENVS[i % ENVS.length]! },
      { Key: 'CostCenter', Value: `CC-${1000 + (i % 9000)}` },
      { Key: 'Application', Value: `app-${i % 300}` },
      { Key: 'Team', Value: TEAMS[i % TEAMS.length]! },
      { Key: 'Project', Value: `proj-${i % 90}` },
      { Key: 'CreatedBy', Value: 'terraform' },
      { Key: 'aws:cloudformation:stack-name', Value: `stack-${i % 700}` },
      { Key: 'ManagedBy', Value: 'platform-team' },
    ];
    // 70% compliant; the rest: a missing tag, a bad value, a bad format, a key in another case, an empty value.
    if (roll >= 70 && roll < 78) tags.splice(1 + (i % 4), 1);
    else if (roll >= 78 && roll < 85) tags[2]!.Value = 'prod';
    else if (roll >= 85 && roll < 92) tags[3]!.Value = `cc${i % 10000}`;
    else if (roll >= 92 && roll < 96) tags[2]!.Key = 'environment';
    else if (roll >= 96) tags[4]!.Value = '';
    return { arn, type: topic ? 'sns:topic' : 'sqs:queue', tags, compliant: roll < 70 };
  }

  /** Compliant resources in the whole inventory: the answer a correct scan must give. */
  expectedCompliant(): number {
    let compliant = 0;
    for (const account of this.accounts) {
      for (const region of this.regions) {
        const count = this.count(account, region);
        const shard = this.shardIndex(account, region);
        for (let i = 0; i < count; i++) if (hash(shard, i) % 100 < 70) compliant++;
      }
    }
    return compliant;
  }

  private shardIndex(account: string, region: string): number {
    const a = this.accounts.indexOf(account);
    const r = this.regions.indexOf(region);
    return a < 0 || r < 0 ? -1 : a * this.regions.length + r;
  }
}

/** A well-mixed 32-bit hash of two integers (murmur3's finaliser). */
function hash(shard: number, i: number): number {
  let h = Math.imul(shard + 1, 0x9e3779b1) ^ i;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
