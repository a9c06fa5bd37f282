// The policy as one cloud's enforcement engine sees it: each rule in the cloud's spelling (key and
// allowed values from cloud_spellings), and what a scan's violating rows say about the estate.
// Shared by the Terraform and the Config-rules generators, which render the same rules twice.
import type { Cloud } from '../resource.js';
import type { ScanResourceRow } from '../scan.js';
import type { TaggingPolicy } from '../policy/index.js';

export interface CloudRule {
  /** The key to require, as the cloud spells it (the first cloud_spellings key, else the policy name). */
  key: string;
  /** The policy's name for the tag, for messages. */
  name: string;
  required: boolean;
  /** Allowed values in the cloud's spelling; null when any value is allowed. */
  values: string[] | null;
  regex: string | null;
  /** Lowercased applies_to; empty means every resource type. */
  appliesTo: string[];
}

/** The rules that apply to `cloud`, in its spelling; `onlyTags` (policy names, case-insensitive) narrows them. */
export function cloudRules(policy: TaggingPolicy, cloud: Cloud, onlyTags?: readonly string[]): CloudRule[] {
  const wanted = onlyTags?.length ? new Set(onlyTags.map((t) => t.toLowerCase())) : null;
  const rules: CloudRule[] = [];
  const seen = new Set<string>();
  const all = [
    ...policy.required_tags.map((r) => ({ rule: r, required: true })),
    ...policy.optional_tags.map((r) => ({ rule: r, required: false })),
  ];
  for (const { rule, required } of all) {
    if (rule.clouds && !rule.clouds.includes(cloud)) continue;
    if (wanted && !wanted.has(rule.name.toLowerCase())) continue;
    // applies_to may mix clouds' types: this cloud's engine only sees its own.
    const appliesTo = rule.applies_to.map((t) => t.toLowerCase()).filter((t) => cloudOfType(t) === cloud);
    if (rule.applies_to.length > 0 && appliesTo.length === 0) continue;
    const spelling = rule.cloud_spellings?.[cloud];
    const key = spelling?.keys?.[0] ?? rule.name;
    // An optional rule repeating a required key adds nothing an engine could enforce.
    if (seen.has(key.toLowerCase())) continue;
    seen.add(key.toLowerCase());
    let values: string[] | null = null;
    if (rule.allowed_values) {
      values = [...new Set(rule.allowed_values.flatMap((v) => {
        const mapped = spelling?.values?.[v];
        return mapped === undefined ? [v] : typeof mapped === 'string' ? [mapped] : mapped;
      }))];
    }
    const regex = spelling?.validation_regex !== undefined ? spelling.validation_regex : rule.validation_regex;
    rules.push({ key, name: rule.name, required, values, regex, appliesTo });
  }
  return rules;
}

/** Azure and GCP types carry their cloud as the service (`azure:…`, `gcp:…`); every other service is AWS. */
export function cloudOfType(type: string): Cloud {
  const service = type.split(':', 1)[0]!.toLowerCase();
  return service === 'azure' || service === 'gcp' ? service : 'aws';
}

/** Whether a rule's applies_to selects `type` (exact, `service:*` or a `path/*` prefix). */
export function ruleSelects(rule: CloudRule, type: string): boolean {
  if (rule.appliesTo.length === 0) return true;
  const lower = type.toLowerCase();
  const service = lower.split(':', 1)[0]!;
  return rule.appliesTo.some((t) => t === lower || t === `${service}:*` || (t.endsWith('/*') && lower.startsWith(t.slice(0, -1))));
}

export interface TagFindings {
  missing: number;
  invalid: number;
}

/** What a scan's violating rows say, per cloud: the types that need rules and how often each tag failed. */
export interface ScanDigest {
  violatingResources: number;
  /** cloud -> resource type -> violating resources. */
  types: Record<Cloud, Map<string, number>>;
  /** cloud -> tag name (as the finding names it) -> findings. */
  tags: Record<Cloud, Map<string, TagFindings>>;
}

interface Finding {
  kind?: unknown;
  tag?: unknown;
}

/** Reads the violating rows page by page (a cursor over the store), keeping only counts. */
export async function digestScan(pages: AsyncIterable<readonly ScanResourceRow[]>): Promise<ScanDigest> {
  const digest: ScanDigest = {
    violatingResources: 0,
    types: { aws: new Map(), azure: new Map(), gcp: new Map() },
    tags: { aws: new Map(), azure: new Map(), gcp: new Map() },
  };
  for await (const page of pages) {
    for (const row of page) {
      if (row.compliant) continue;
      digest.violatingResources++;
      const types = digest.types[row.cloud];
      types.set(row.resourceType, (types.get(row.resourceType) ?? 0) + 1);
      for (const finding of row.violations as Finding[]) {
        if (typeof finding?.tag !== 'string') continue;
        const tags = digest.tags[row.cloud];
        const counts = tags.get(finding.tag) ?? { missing: 0, invalid: 0 };
        if (finding.kind === 'missing_required_tag') counts.missing++;
        else counts.invalid++;
        tags.set(finding.tag, counts);
      }
    }
  }
  return digest;
}

/** An empty digest: artefacts built from the policy alone. */
export function emptyDigest(): ScanDigest {
  return {
    violatingResources: 0,
    types: { aws: new Map(), azure: new Map(), gcp: new Map() },
    tags: { aws: new Map(), azure: new Map(), gcp: new Map() },
  };
}

/** A generator's note on what an engine cannot express (a regex on AWS, a comma in a Config value …). */
export interface RemediationWarning {
  cloud: Cloud;
  tag: string | null;
  message: string;
}
