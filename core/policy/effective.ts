// The effective AWS Organizations tag policy of one account: the policies attached to the root,
// each OU down to the account, and the account itself, merged the way AWS documents inheritance,
// so we audit what AWS would enforce for that account rather than one policy in isolation.
//
// Supported value-setting operators, applied per tag field in order (root first, then each OU,
// then the account; policies attached to the same node in the order given):
// - `@@assign` replaces the inherited value;
// - `@@append` adds values to an inherited list (duplicates dropped);
// - `@@remove` removes values from an inherited list; a list left empty is dropped.
// A plain value (as in an effective policy) counts as `@@assign`. Child-control operators such
// as `@@operators_allowed_for_child_policies` are NOT enforced: every child change is applied,
// and each use is reported in `unsupported` so the caller can say so instead of pretending.
// The result uses AWS's effective-policy shape: plain values, no operators.

export interface TagPolicyLayer {
  /** Organizations policy id, e.g. `p-abc12345`. */
  policyId: string;
  /** Where it is attached (root, OU or account id), for messages. */
  targetId?: string;
  /** The policy document (an object, or its JSON text as DescribePolicy returns it). */
  content: unknown;
}

export interface UnsupportedUse {
  policyId: string;
  /** JSON path of the use, e.g. `tags.costcenter.tag_value.@@operators_allowed_for_child_policies`. */
  path: string;
  /** The operator or field we did not apply. */
  name: string;
}

export interface EffectiveTag {
  tag_key: string;
  tag_value?: string[];
  enforced_for?: string[];
  report_required_tag_for?: string[];
}

export interface EffectiveTagPolicy {
  policy: { tags: Record<string, EffectiveTag> };
  /** The policies merged, in order. */
  policyIds: string[];
  unsupported: UnsupportedUse[];
}

export class TagPolicyMergeError extends Error {
  override name = 'TagPolicyMergeError';
}

const LIST_FIELDS = ['tag_value', 'enforced_for', 'report_required_tag_for'] as const;
type ListField = (typeof LIST_FIELDS)[number];
const CHILD_CONTROL = '@@operators_allowed_for_child_policies';

interface Working {
  tag_key?: string;
  tag_value?: string[];
  enforced_for?: string[];
  report_required_tag_for?: string[];
}

export function mergeTagPolicies(layers: readonly TagPolicyLayer[]): EffectiveTagPolicy {
  const tags = new Map<string, Working>();
  const unsupported: UnsupportedUse[] = [];
  for (const layer of layers) {
    const doc = parseDocument(layer);
    const note = (path: string, name: string) => unsupported.push({ policyId: layer.policyId, path, name });
    for (const key of Object.keys(doc)) {
      if (key !== 'tags') note(key, key.startsWith('@@') ? key : `${key} (not a tag policy section)`);
    }
    const tagSection = doc.tags;
    if (tagSection === undefined) continue;
    if (!isObject(tagSection)) throw new TagPolicyMergeError(`${layer.policyId}: "tags" must be an object`);
    for (const [rawKey, spec] of Object.entries(tagSection)) {
      if (rawKey.startsWith('@@')) { note(`tags.${rawKey}`, rawKey); continue; }
      if (!isObject(spec)) throw new TagPolicyMergeError(`${layer.policyId}: tags.${rawKey} must be an object`);
      // AWS tag policy keys are lowercase identifiers; the capitalisation lives in tag_key.
      const key = rawKey.toLowerCase();
      const tag = tags.get(key) ?? {};
      for (const [field, value] of Object.entries(spec)) {
        const path = `tags.${rawKey}.${field}`;
        if (field === 'tag_key') applyTagKey(tag, value, path, layer.policyId, note);
        else if ((LIST_FIELDS as readonly string[]).includes(field)) applyList(tag, field as ListField, value, path, layer.policyId, note);
        else note(path, field);
      }
      tags.set(key, tag);
    }
  }
  const out: Record<string, EffectiveTag> = {};
  for (const [key, tag] of [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[key] = {
      tag_key: tag.tag_key ?? key,
      ...Object.fromEntries(LIST_FIELDS.filter((f) => tag[f] !== undefined).map((f) => [f, tag[f]])),
    };
  }
  return { policy: { tags: out }, policyIds: layers.map((l) => l.policyId), unsupported };
}

/** One line for a reply: which operators were seen and not applied. */
export function describeUnsupported(unsupported: readonly UnsupportedUse[]): string | undefined {
  if (unsupported.length === 0) return undefined;
  const names = [...new Set(unsupported.map((u) => u.name))];
  const where = unsupported.slice(0, 5).map((u) => `${u.policyId} ${u.path}`).join('; ');
  return `not applied (unsupported): ${names.join(', ')} at ${where}${unsupported.length > 5 ? ` and ${unsupported.length - 5} more` : ''}`;
}

type Note = (path: string, name: string) => void;

function applyTagKey(tag: Working, value: unknown, path: string, policyId: string, note: Note): void {
  if (typeof value === 'string') { tag.tag_key = value; return; }
  if (!isObject(value)) throw new TagPolicyMergeError(`${policyId}: ${path} must be a string or an operator object`);
  for (const [op, operand] of Object.entries(value)) {
    if (op === '@@assign') {
      if (typeof operand !== 'string') throw new TagPolicyMergeError(`${policyId}: ${path}.@@assign must be a string`);
      tag.tag_key = operand;
    } else {
      // @@append / @@remove mean nothing for a single key name; child control is not enforced.
      note(`${path}.${op}`, op);
    }
  }
}

function applyList(tag: Working, field: ListField, value: unknown, path: string, policyId: string, note: Note): void {
  if (Array.isArray(value) || typeof value === 'string') { tag[field] = distinct(strings(value, path, policyId)); return; }
  if (!isObject(value)) throw new TagPolicyMergeError(`${policyId}: ${path} must be a list or an operator object`);
  for (const [op, operand] of Object.entries(value)) {
    if (op === '@@assign') tag[field] = distinct(strings(operand, `${path}.${op}`, policyId));
    else if (op === '@@append') tag[field] = distinct([...(tag[field] ?? []), ...strings(operand, `${path}.${op}`, policyId)]);
    else if (op === '@@remove') {
      const removed = new Set(strings(operand, `${path}.${op}`, policyId));
      const kept = (tag[field] ?? []).filter((v) => !removed.has(v));
      if (kept.length > 0) tag[field] = kept;
      else delete tag[field];
    } else note(`${path}.${op}`, op === CHILD_CONTROL ? CHILD_CONTROL : op);
  }
}

function strings(value: unknown, path: string, policyId: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
    throw new TagPolicyMergeError(`${policyId}: ${path} must be a string or a list of strings`);
  }
  return list as string[];
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

function parseDocument(layer: TagPolicyLayer): Record<string, unknown> {
  let doc = layer.content;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      throw new TagPolicyMergeError(`${layer.policyId}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isObject(doc)) throw new TagPolicyMergeError(`${layer.policyId}: a tag policy must be a JSON object`);
  return doc;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
