// Exports for automation tools: the violations of a page of scan rows, with the tag values that
// would fix them, as JSON Lines (one resource a line), and as an Ansible inventory whose vars list
// the remediations. Every string from the scan is marked `!unsafe` in the Ansible file, so Jinja
// never evaluates a `{{ … }}` someone put in a tag value or resource name.
import { Document, isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import { compilePolicy } from '../policy/compile.js';
import type { TaggingPolicy } from '../policy/schema.js';
import type { ScanResourceRow } from '../scan.js';
import { placeholderFor, tagsToSet } from './automation-tags.js';
import { suggestedFor, typeWanted, type SuggestionLookup, type TagSuggestions } from './custodian.js';

export interface AutomationOptions {
  resourceTypes?: readonly string[];
  targetTags?: readonly string[];
  /** Include compliant resources with warnings too (default: non-compliant only). */
  includeWarnings: boolean;
  /** Resources in this export at most; `nextAfter` says where the next one starts. */
  limit: number;
  suggestions?: TagSuggestions;
  suggest?: SuggestionLookup;
  scanId?: string;
}

/** One resource of the export, as a JSON Lines record and an Ansible remediation item. */
export interface AutomationRecord {
  resource_id: string;
  cloud: string;
  account: string;
  region: string;
  resource_type: string;
  name: string | null;
  tags: Record<string, string>;
  compliant: boolean;
  violations: { kind: string; tag: string; severity: string; message: string; value?: string; found_key?: string; allowed?: string[] }[];
  /** Values fixing the error findings; `<set Key>` where none could be chosen. */
  tags_to_set: Record<string, string>;
  placeholder: boolean;
}

export interface AutomationExport {
  jsonl: string;
  ansibleYaml: string;
  records: number;
  placeholders: number;
  /** The last resource id exported when more remain (pass it back to continue), else null. */
  nextAfter: string | null;
}

export async function exportForAutomation(
  policy: TaggingPolicy, rows: AsyncIterable<ScanResourceRow>, opts: AutomationOptions,
): Promise<AutomationExport> {
  const compiled = compilePolicy(policy);
  const targetTags = opts.targetTags?.length ? new Set(opts.targetTags) : null;
  const records: AutomationRecord[] = [];
  let nextAfter: string | null = null;
  for await (const row of rows) {
    if ((row.compliant && !opts.includeWarnings) || row.violations.length === 0 || !typeWanted(row.resourceType, opts.resourceTypes)) continue;
    if (records.length === opts.limit) {
      nextAfter = records.at(-1)!.resource_id;
      break;
    }
    const toSet = tagsToSet(row, compiled.rulesFor(row.cloud, row.resourceType), targetTags, suggestedFor(row, opts.suggestions, opts.suggest)) ?? {};
    records.push({
      resource_id: row.resourceId, cloud: row.cloud, account: row.account, region: row.region, resource_type: row.resourceType,
      name: row.name ?? null, tags: row.tags, compliant: row.compliant,
      violations: (row.violations as Record<string, unknown>[]).map(violationOf),
      tags_to_set: toSet,
      placeholder: Object.entries(toSet).some(([k, v]) => v === placeholderFor(k)),
    });
  }
  return {
    jsonl: records.map((r) => `${JSON.stringify(r)}\n`).join(''),
    ansibleYaml: ansibleInventory(records, opts.scanId),
    records: records.length,
    placeholders: records.filter((r) => r.placeholder).length,
    nextAfter,
  };
}

function violationOf(f: Record<string, unknown>): AutomationRecord['violations'][number] {
  return {
    kind: String(f.kind), tag: String(f.tag), severity: String(f.severity), message: String(f.message ?? ''),
    ...(typeof f.value === 'string' ? { value: f.value } : {}),
    ...(typeof f.foundKey === 'string' ? { found_key: f.foundKey } : {}),
    ...(Array.isArray(f.allowed) ? { allowed: f.allowed.map(String) } : {}),
  };
}

/**
 * An inventory running on the control node (the AWS APIs are the target), with the remediations as
 * vars: `tag_remediations` (one item per resource) for a playbook to loop over.
 */
function ansibleInventory(records: AutomationRecord[], scanId: string | undefined): string {
  const doc = new Document({
    all: {
      hosts: { localhost: { ansible_connection: 'local', ansible_python_interpreter: '{{ ansible_playbook_python }}' } },
      vars: {
        tag_compliance_scan_id: scanId ?? null,
        tag_remediations: records.filter((r) => Object.keys(r.tags_to_set).length > 0).map((r) => ({
          resource_arn: r.resource_id, account: r.account, region: r.region, resource_type: r.resource_type,
          tags: r.tags_to_set, placeholder: r.placeholder, findings: r.violations.map((v) => `${v.kind}:${v.tag}`),
        })),
      },
    },
  }, { aliasDuplicateObjects: false });
  // Scan data under tag_remediations (and the scan id) is data, never a template.
  const vars = doc.getIn(['all', 'vars']) as YAMLMap;
  markUnsafe(vars.get('tag_remediations', true));
  markUnsafe(vars.get('tag_compliance_scan_id', true));
  doc.commentBefore = ` Ansible inventory: tag remediations from tag compliance scan ${scanId ?? ''}\n` +
    ' Values are !unsafe (never templated). Items with placeholder: true hold <set Key> values to fill in first.';
  return doc.toString({ lineWidth: 0 });
}

/** Tags every string value (not map keys) under `node` as `!unsafe`. */
function markUnsafe(node: unknown): void {
  if (isScalar(node)) {
    if (typeof (node as Scalar).value === 'string') (node as Scalar).tag = '!unsafe';
  } else if (isSeq(node)) {
    for (const item of node.items) markUnsafe(item);
  } else if (isMap(node)) {
    for (const pair of node.items) markUnsafe(pair.value);
  }
}
