// The tagging policy document: accepts the peer's policy JSON unchanged and validates it once,
// with errors that name the exact field (`required_tags[2].validation_regex: ...`).
import { z } from 'zod';
import { regexProblem } from './regex.js';

export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export const SEVERITIES = ['error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

// `service:kind` (`ec2:instance`, `azure:compute/virtualmachines`, `gcp:compute/instance`), a
// whole service (`ec2:*`, `azure:*`) or a path prefix (`azure:compute/*`). Case is normalised
// when the policy is compiled.
const RESOURCE_TYPE = /^[A-Za-z0-9][A-Za-z0-9.-]*:(?:\*|[A-Za-z0-9][A-Za-z0-9./_-]*(?:\/\*)?)$/;

const resourceType = z.string().regex(RESOURCE_TYPE,
  'must be service:kind (e.g. ec2:instance), service:* (e.g. ec2:*) or a path prefix (e.g. azure:compute/*)');

const tagName = z.string()
  .min(1, 'must not be empty')
  .refine((s) => s.trim() === s, 'must not start or end with whitespace');

// The peer writes `null` where a constraint is absent; absent and null mean the same here.
const allowedValues = z.array(z.string().min(1, 'must not be empty'))
  .min(1, 'must list at least one value, or be null')
  .nullish()
  .transform((v) => v ?? null);

const validationRegex = z.string()
  .min(1, 'must not be empty; use null for no pattern')
  .superRefine((source, ctx) => {
    const problem = regexProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullish()
  .transform((v) => v ?? null);

// `[]` (or the peer's null) means every resource type.
const appliesTo = z.array(resourceType).nullish().transform((v) => v ?? []);

// Absent means every cloud, including ones added later; present must name at least one.
const clouds = z.array(z.enum(CLOUDS)).min(1, 'must name at least one cloud, or be left out').optional();

// How one cloud spells a logical tag (our extension; the peer's files never carry it): the keys
// to look for, in order of preference (`cost-center`, `cost_center` on GCP), and the cloud's
// spelling of each canonical value (`Production` -> `production`). A pattern of its own is
// needed when the cloud's values have another shape (`cc-1234` labels for `CC-1234` tags).
const cloudSpellingSchema = z.strictObject({
  keys: z.array(tagName).min(1, 'must list at least one key, or be left out').optional(),
  values: z.record(z.string().min(1, 'must not be empty'),
    z.union([z.string().min(1, 'must not be empty'), z.array(z.string().min(1, 'must not be empty')).min(1)])).optional(),
  validation_regex: validationRegex.optional(),
});
export type CloudSpelling = z.output<typeof cloudSpellingSchema>;

const cloudSpellings = z.strictObject({
  aws: cloudSpellingSchema.optional(),
  azure: cloudSpellingSchema.optional(),
  gcp: cloudSpellingSchema.optional(),
}).optional();

// Rules are strict so that a typo such as `severty` fails loudly instead of silently leaving a
// rule at its default severity or scope; the top level stays lenient (`$schema`, comments).
const requiredTagSchema = z.strictObject({
  name: tagName,
  description: z.string().default(''),
  allowed_values: allowedValues,
  validation_regex: validationRegex,
  applies_to: appliesTo,
  severity: z.enum(SEVERITIES).default('error'),
  clouds,
  cloud_spellings: cloudSpellings,
});

// The peer's optional tags carry name, description and allowed_values; the other fields are our
// extensions. A present optional tag with a bad value is a warning unless the rule says otherwise.
const optionalTagSchema = z.strictObject({
  name: tagName,
  description: z.string().default(''),
  allowed_values: allowedValues,
  validation_regex: validationRegex,
  applies_to: appliesTo,
  severity: z.enum(SEVERITIES).default('warning'),
  clouds,
  cloud_spellings: cloudSpellings,
});

// Bounds follow the peer (max_value_length <= 512), which also bounds regex work per value.
const tagNamingRulesSchema = z.strictObject({
  case_sensitivity: z.boolean().default(false),
  allow_special_characters: z.boolean().default(false),
  max_key_length: z.number().int().min(1).max(256).default(128),
  max_value_length: z.number().int().min(1).max(512).default(256),
});

export const taggingPolicySchema = z.object({
  version: z.string().min(1, 'must not be empty'),
  last_updated: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date or date-time').optional(),
  required_tags: z.array(requiredTagSchema).default([]),
  optional_tags: z.array(optionalTagSchema).default([]),
  tag_naming_rules: tagNamingRulesSchema.prefault({}),
}).superRefine((policy, ctx) => {
  const { max_key_length: maxKey, max_value_length: maxValue } = policy.tag_naming_rules;
  for (const list of ['required_tags', 'optional_tags'] as const) {
    policy[list].forEach((rule, i) => {
      if (rule.name.length > maxKey) {
        ctx.addIssue({ code: 'custom', path: [list, i, 'name'], message: `longer than tag_naming_rules.max_key_length (${maxKey})` });
      }
      rule.allowed_values?.forEach((value, j) => {
        if (value.length > maxValue) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'allowed_values', j], message: `longer than tag_naming_rules.max_value_length (${maxValue})` });
        }
      });
      for (const cloud of CLOUDS) {
        const spelling = rule.cloud_spellings?.[cloud];
        if (!spelling) continue;
        const at = [list, i, 'cloud_spellings', cloud];
        if (rule.clouds && !rule.clouds.includes(cloud)) {
          ctx.addIssue({ code: 'custom', path: at, message: `the rule is limited to clouds ${rule.clouds.join(', ')}, so a ${cloud} spelling would never be used` });
        }
        // A value map for a rule without allowed values would silently do nothing.
        for (const canonical of Object.keys(spelling.values ?? {})) {
          if (!rule.allowed_values?.includes(canonical)) {
            ctx.addIssue({ code: 'custom', path: [...at, 'values', canonical], message: 'is not one of the rule\'s allowed_values' });
          }
        }
      }
    });
  }
});

export type TaggingPolicy = z.output<typeof taggingPolicySchema>;
/** What a policy file may contain: defaults not yet applied. */
export type TaggingPolicyInput = z.input<typeof taggingPolicySchema>;
export type RequiredTagRule = TaggingPolicy['required_tags'][number];
export type OptionalTagRule = TaggingPolicy['optional_tags'][number];
export type TagNamingRules = TaggingPolicy['tag_naming_rules'];

export interface PolicyIssue {
  /** e.g. `required_tags[2].validation_regex`; `(root)` for the document itself. */
  path: string;
  message: string;
}

export class PolicyValidationError extends Error {
  override name = 'PolicyValidationError';
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[], source?: string) {
    const where = source ? `invalid tagging policy in ${source}` : 'invalid tagging policy';
    super(`${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** Validates a policy document and applies defaults; throws PolicyValidationError listing every problem. */
export function parsePolicy(input: unknown, source?: string): TaggingPolicy {
  const result = taggingPolicySchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  throw new PolicyValidationError(issues, source);
}

/** Parses policy JSON text (e.g. a file's content); `source` names it in error messages. */
export function parsePolicyJson(text: string, source?: string): TaggingPolicy {
  let doc: unknown;
  try {
    // Editors on Windows may save a byte-order mark, which JSON.parse refuses.
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new PolicyValidationError([{ path: '(root)', message: `not valid JSON (${detail})` }], source);
  }
  return parsePolicy(doc, source);
}

/** `['required_tags', 2, 'validation_regex']` -> `required_tags[2].validation_regex`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}
