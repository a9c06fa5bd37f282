// What the AWS scanner knows about resource types: which come from a service's own list API
// (so never-tagged resources are seen), which are global (scanned once per account), and how a
// `service:kind` maps to the Resource Groups Tagging API's ResourceTypeFilters.

/** Types listed through their service's API, merged by ARN with their tags. */
export const LISTED_TYPES = ['ec2:instance', 'ec2:volume', 's3:bucket', 'rds:db', 'lambda:function', 'dynamodb:table'] as const;
export type ListedType = (typeof LISTED_TYPES)[number];

/** Services whose resources live outside any region; their tags are read in the home region. */
export const GLOBAL_SERVICES = new Set(['s3', 'iam', 'cloudfront', 'route53', 'organizations', 'waf', 'globalaccelerator']);

/** The region where global services answer. */
export const HOME_REGION = 'us-east-1';

/** Used when EC2 DescribeRegions fails: the regions enabled by default in every account. */
export const FALLBACK_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2',
];

// ARNs whose resource part is a bare name: the kind is implied by the service.
const BARE_NAME_KINDS: Record<string, string> = { s3: 'bucket', sns: 'topic', sqs: 'queue' };

export function isListedType(type: string): type is ListedType {
  return (LISTED_TYPES as readonly string[]).includes(type);
}

export function isGlobalType(type: string): boolean {
  return GLOBAL_SERVICES.has(type.split(':', 1)[0]!);
}

/** `ec2:instance` -> `ec2:instance`, `ec2:*` -> `ec2`, `s3:bucket` -> `s3`: what GetResources accepts. */
export function taggingApiFilter(type: string): string {
  const [service, kind] = type.split(':', 2) as [string, string];
  if (kind === '*' || BARE_NAME_KINDS[service] === kind) return service;
  return type;
}

/** Whether `type` is selected by `requested`, which may hold wildcards such as `ec2:*` or `all`. */
export function typeSelected(type: string, requested: readonly string[]): boolean {
  if (requested.includes('all')) return true;
  const service = type.split(':', 1)[0];
  return requested.some((r) => r === type || r === `${service}:*`);
}

/** Listed types the request asks for, expanding `all` and wildcards. */
export function listedTypesOf(requested: readonly string[]): ListedType[] {
  return LISTED_TYPES.filter((type) => typeSelected(type, requested));
}

/** The kind part of a resource ARN's resource section: `instance/i-1` -> `instance`. */
export function kindOfArnResource(service: string, resource: string): string {
  const bare = BARE_NAME_KINDS[service];
  if (bare) return resource.includes('/') && service === 's3' ? 'object' : bare;
  const trimmed = resource.replace(/^\//, '');
  const match = /^([^/:]+)[/:]/.exec(trimmed);
  return match ? match[1]! : trimmed;
}
