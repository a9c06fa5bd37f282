// Converts an AWS Organizations tag policy into our policy format, as the peer's converter does,
// so an organisation's existing tag policy can be audited without rewriting it.
//
// Mapping: tags.<k>.tag_key -> name (falls back to <k>), tag_value -> allowed_values,
// enforced_for and report_required_tag_for -> applies_to, each read from `@@assign` or, in an
// effective policy, as plain values. Like the peer, a tag with enforced_for becomes a required
// tag; so does one with report_required_tag_for (AWS's own "this tag is required" marker); any
// other becomes an optional tag (its values are checked when present). Where we differ from the peer, to keep
// meaning instead of dropping it:
// - `<service>:ALL_SUPPORTED` becomes the wildcard `<service>:*` (the peer expands a fixed list);
// - wildcard values (`300*`, `*@example.com`) become a validation_regex (the peer strips `*`);
//   a lone `*` allows any value;
// - every rule is scoped to `clouds: ["aws"]`, since AWS types and keys mean nothing elsewhere.
// Child-policy operators (@@append, @@remove) are resolved by effective.ts before conversion;
// here only `@@assign` is read.
import { z } from 'zod';
import { formatPath, parsePolicy, PolicyValidationError, type TaggingPolicy } from './schema.js';

const SOURCE = 'AWS Organizations tag policy';

const assignedString = z.union([
  z.looseObject({ '@@assign': z.string() }).transform((o) => o['@@assign']),
  z.string(),
]);
const assignedStrings = z.union([
  z.looseObject({ '@@assign': z.array(z.string()) }).transform((o) => o['@@assign']),
  z.array(z.string()),
]);

const awsTagPolicySchema = z.looseObject({
  tags: z.record(z.string(), z.looseObject({
    tag_key: assignedString.optional(),
    tag_value: assignedStrings.optional(),
    enforced_for: assignedStrings.optional(),
    report_required_tag_for: assignedStrings.optional(),
  })),
});

export interface AwsOrgConversionOptions {
  /** Defaults to "1.0", as the peer writes. */
  version?: string;
  /** ISO-8601; left out unless given, since core/ reads no clock. */
  lastUpdated?: string;
}

/** `content` is the policy document, or its JSON text as Organizations' DescribePolicy returns it. */
export function convertAwsOrgTagPolicy(content: unknown, options: AwsOrgConversionOptions = {}): TaggingPolicy {
  const parsed = awsTagPolicySchema.safeParse(typeof content === 'string' ? parseJson(content) : content);
  if (!parsed.success) {
    throw new PolicyValidationError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })), SOURCE);
  }
  const required: Record<string, unknown>[] = [];
  const optional: Record<string, unknown>[] = [];
  for (const [key, tag] of Object.entries(parsed.data.tags)) {
    const rule = {
      name: tag.tag_key ?? key,
      description: `Imported from ${SOURCE} (key "${key}")`,
      ...valueConstraint(tag.tag_value),
      clouds: ['aws'],
    };
    const types = [...new Set([...(tag.enforced_for ?? []), ...(tag.report_required_tag_for ?? [])].map(toAppliesTo))];
    if (types.length > 0) {
      required.push({ ...rule, applies_to: types });
    } else {
      optional.push(rule);
    }
  }
  return parsePolicy({
    version: options.version ?? '1.0',
    ...(options.lastUpdated ? { last_updated: options.lastUpdated } : {}),
    required_tags: required,
    optional_tags: optional,
    tag_naming_rules: { case_sensitivity: false, allow_special_characters: false, max_key_length: 128, max_value_length: 256 },
  }, `${SOURCE} (converted)`);
}

function valueConstraint(values: string[] | undefined): { allowed_values: string[] | null; validation_regex: string | null } {
  const distinct = [...new Set(values ?? [])];
  if (distinct.length === 0 || distinct.includes('*')) return { allowed_values: null, validation_regex: null };
  if (!distinct.some((v) => v.includes('*'))) return { allowed_values: distinct, validation_regex: null };
  const alternatives = distinct.map((v) => v.split('*').map(escapeRegex).join('.*'));
  return { allowed_values: null, validation_regex: `^(?:${alternatives.join('|')})$` };
}

/** AWS names types `service:kind` as we do; only the service's ALL_SUPPORTED and letter case differ. */
function toAppliesTo(entry: string): string {
  const [service = '', kind = ''] = entry.split(':', 2);
  if (kind === 'ALL_SUPPORTED') return `${service.toLowerCase()}:*`;
  return `${service.toLowerCase()}:${kind}`;
}

function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new PolicyValidationError([{ path: '(root)', message: `not valid JSON (${detail})` }], SOURCE);
  }
}
