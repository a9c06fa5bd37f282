// Helpers for listing untagged resources: which required tags a stored resource misses, and
// how old it is (or why that is not known).

const DAY_MS = 86_400_000;

/** Required tags named by `missing_required_tag` findings, in finding order, without duplicates. */
export function missingRequiredTags(violations: unknown): string[] {
  if (!Array.isArray(violations)) return [];
  const tags = new Set<string>();
  for (const v of violations) {
    if (v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'missing_required_tag') {
      const tag = (v as { tag?: unknown }).tag;
      if (typeof tag === 'string') tags.add(tag);
    }
  }
  return [...tags];
}

/** Whole days since creation; null when unknown; 0 for a creation time in the future (clock skew). */
export function ageDays(createdAt: string | null, now: Date): number | null {
  if (createdAt === null) return null;
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) return null;
  return Math.max(0, Math.floor((now.getTime() - created) / DAY_MS));
}

/**
 * Types whose scan reads a creation date from their own list API: EC2 LaunchTime and CreateTime,
 * RDS InstanceCreateTime, S3 CreationDate, DynamoDB CreationDateTime (DescribeTable).
 */
const DATED_TYPES = new Set(['ec2:instance', 'ec2:volume', 'rds:db', 's3:bucket', 'dynamodb:table']);
/** Types whose service has no creation date to report; LastModified is not one (it moves on every deploy). */
const UNDATED_BY_SERVICE: Record<string, string> = { 'lambda:function': 'Lambda does not report a creation date' };

/** Why a resource's age is unknown; undefined when it is known. */
export function ageNote(resourceType: string, createdAt: string | null): string | undefined {
  if (createdAt !== null && !Number.isNaN(Date.parse(createdAt))) return undefined;
  const undated = UNDATED_BY_SERVICE[resourceType];
  if (undated) return undated;
  if (DATED_TYPES.has(resourceType)) return 'no creation date was reported for this resource';
  return 'creation dates are not available for this type (read through the Resource Groups Tagging API, which reports none)';
}

/** `age_days`, plus `age_note` saying why when it is null. */
export function resourceAge(resourceType: string, createdAt: string | null, now: Date): { age_days: number | null; age_note?: string } {
  const days = ageDays(createdAt, now);
  const note = days === null ? ageNote(resourceType, createdAt) : undefined;
  return note === undefined ? { age_days: days } : { age_days: days, age_note: note };
}
