// GCP enforcement of the policy: organisation policy custom constraints whose CEL condition checks
// resource.labels, one set per resource type (a constraint names its type), ALLOW so a create or
// update is refused unless the labels conform.
// https://cloud.google.com/resource-manager/docs/organization-policy/creating-managing-custom-constraints
import { gcpLabelKeyProblem, gcpLabelValueProblem, type TaggingPolicy } from '../policy/index.js';
import { cloudRules, ruleSelects, type CloudRule, type RemediationWarning, type ScanDigest } from './config-rules-policy.js';

/** A custom constraint's condition is at most 1000 characters. */
export const GCP_CONDITION_MAX = 1000;
const NAME_MAX = 70;
// Our lowercased `gcp:service/kind` -> the API's type, where the kind's camel case cannot be guessed.
const GCP_TYPES: Record<string, string> = {
  'gcp:compute/instance': 'compute.googleapis.com/Instance',
  'gcp:compute/disk': 'compute.googleapis.com/Disk',
  'gcp:compute/image': 'compute.googleapis.com/Image',
  'gcp:compute/snapshot': 'compute.googleapis.com/Snapshot',
  'gcp:compute/instancetemplate': 'compute.googleapis.com/InstanceTemplate',
  'gcp:storage/bucket': 'storage.googleapis.com/Bucket',
  'gcp:container/cluster': 'container.googleapis.com/Cluster',
  'gcp:container/nodepool': 'container.googleapis.com/NodePool',
  'gcp:sqladmin/instance': 'sqladmin.googleapis.com/Instance',
};
/** Used when a rule applies to every type and the scan names no GCP type. */
const DEFAULT_TYPES = ['gcp:compute/instance', 'gcp:compute/disk'];

export interface GcpConstraint {
  /** `custom.…`: letters and digits only. */
  id: string;
  resourceTypes: string[];
  methodTypes: ('CREATE' | 'UPDATE')[];
  condition: string;
  actionType: 'ALLOW';
  displayName: string;
  description: string;
}

export interface GcpOptions {
  targetTags?: readonly string[];
}

export function gcpApiType(type: string): string {
  const known = GCP_TYPES[type];
  if (known) return known;
  const [service = '', ...kind] = type.slice('gcp:'.length).split('/');
  return `${service}.googleapis.com/${kind.map((k) => k.charAt(0).toUpperCase() + k.slice(1)).join('/')}`;
}

export function gcpConstraints(policy: TaggingPolicy, digest: ScanDigest, opts: GcpOptions): { constraints: GcpConstraint[]; warnings: RemediationWarning[] } {
  const warnings: RemediationWarning[] = [];
  const rules: { rule: CloudRule; clause: string }[] = [];
  for (const rule of cloudRules(policy, 'gcp', opts.targetTags)) {
    const clause = labelClause(rule, warnings);
    if (clause) rules.push({ rule, clause });
  }
  const typesOfRules = rules.flatMap(({ rule }) => rule.appliesTo.filter((t) => !t.endsWith('*')));
  const everyType = rules.some(({ rule }) => rule.appliesTo.length === 0 || rule.appliesTo.some((t) => t.endsWith('*')));
  const scanned = [...digest.types.gcp.keys()].map((t) => t.toLowerCase());
  const types = [...new Set([...typesOfRules, ...(everyType ? (scanned.length ? scanned : DEFAULT_TYPES) : [])])].sort();
  if (everyType && scanned.length === 0) {
    warnings.push({ cloud: 'gcp', tag: null, message: `rules for every type are written for ${DEFAULT_TYPES.join(', ')} (the scan named no GCP type)` });
  }
  const constraints: GcpConstraint[] = [];
  for (const type of types) {
    const clauses = rules.filter(({ rule }) => ruleSelects(rule, type));
    const apiType = gcpApiType(type);
    const base = `custom.requireLabels${pascal(apiType.replace('.googleapis.com', ''))}`;
    // ALLOW constraints all hold at once, so a condition too long for one is split across several.
    let part: typeof clauses = [];
    const flush = () => {
      if (part.length === 0) return;
      const n = constraints.filter((c) => c.resourceTypes[0] === apiType).length;
      const id = `${base}${n ? n + 1 : ''}`.slice(0, NAME_MAX);
      constraints.push({
        id,
        resourceTypes: [apiType],
        methodTypes: ['CREATE', 'UPDATE'],
        condition: part.map((c) => c.clause).join(' && '),
        actionType: 'ALLOW',
        displayName: `Required labels on ${apiType}`.slice(0, 200),
        description: `Labels required by the tagging policy: ${part.map((c) => c.rule.key).join(', ')}`.slice(0, 2000),
      });
      part = [];
    };
    for (const clause of clauses) {
      if (part.length && [...part, clause].map((c) => c.clause).join(' && ').length > GCP_CONDITION_MAX) flush();
      part.push(clause);
    }
    flush();
  }
  return { constraints, warnings };
}

/** The CEL for one rule, or null (with a warning) when no label could ever satisfy it. */
function labelClause(rule: CloudRule, warnings: RemediationWarning[]): string | null {
  const warn = (message: string) => warnings.push({ cloud: 'gcp', tag: rule.name, message });
  const keyProblem = gcpLabelKeyProblem(rule.key);
  if (keyProblem) {
    warn(`"${rule.key}" cannot be a label key (${keyProblem}); map a gcp key in cloud_spellings. No constraint written`);
    return null;
  }
  const label = `resource.labels[${celString(rule.key)}]`;
  const checks: string[] = [];
  if (rule.values) {
    const valid = rule.values.filter((v) => gcpLabelValueProblem(v) === null);
    const invalid = rule.values.filter((v) => gcpLabelValueProblem(v) !== null);
    if (invalid.length) warn(`allowed values that cannot be labels are left out: ${invalid.join(', ')}; map gcp values in cloud_spellings`);
    if (valid.length === 0) {
      warn('no allowed value can be a label value: no constraint written');
      return null;
    }
    checks.push(`${label} in [${valid.map(celString).join(', ')}]`);
  }
  if (rule.regex) {
    checks.push(`${label}.matches(${celString(rule.regex)})`);
    if (/\(\?[=!<]|\\[1-9]/.test(rule.regex)) warn(`validation_regex ${rule.regex} uses lookaround or back-references, which CEL (RE2) refuses`);
  }
  const present = `${celString(rule.key)} in resource.labels`;
  if (rule.required) return `(${[present, ...checks].join(' && ')})`;
  if (checks.length === 0) return null;
  return `(!(${present}) || (${checks.join(' && ')}))`;
}

/** A CEL string literal (single-quoted, backslash escapes). */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** `compute/Instance` -> `ComputeInstance`: constraint ids take letters and digits only. */
function pascal(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
