// Cloud Custodian policies from a scan's violations: per AWS resource type, an audit policy whose
// filters restate the tagging policy (so Custodian selects the resources the scan found
// non-compliant, never-tagged ones included) and, outside dry-run, fix policies that tag, with
// suggested values where known and placeholders AWS refuses where not. A c7n-org accounts file
// lists the accounts and regions the violations are in.
import { Document } from 'yaml';
import { compilePolicy, type CompiledPolicy, type CompiledRule } from '../policy/compile.js';
import type { TaggingPolicy } from '../policy/schema.js';
import type { ScanResourceRow } from '../scan.js';
import { CUSTODIAN_KINDS, literal, ruleFilter, type CustodianKind, type Filter } from './custodian-filters.js';
import { acceptable, placeholderFor } from './automation-tags.js';
import { custodianIdOf, custodianResourceOf } from './custodian-resources.js';

/** Suggested tag values per resource id: `{ [arn]: { Owner: 'a@x.com' } }` (from suggest_tags). */
export type TagSuggestions = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Confident values computed for one resource (suggest_tags' model); undefined when it has none. */
export type SuggestionLookup = (row: ScanResourceRow) => Readonly<Record<string, string>> | undefined;

/** The values to write for a resource: the model's, overridden key by key by the caller's own. */
export function suggestedFor(row: ScanResourceRow, given?: TagSuggestions, lookup?: SuggestionLookup): Readonly<Record<string, string>> | undefined {
  const computed = lookup?.(row);
  const explicit = given?.[row.resourceId];
  return computed || explicit ? { ...computed, ...explicit } : undefined;
}

export interface CustodianOptions {
  /** Resource types to cover (`ec2:instance`, `ec2:*`, `all`); default every type with violations. */
  resourceTypes?: readonly string[];
  /** Finding kinds to act on; default all of them. */
  violationTypes?: readonly CustodianKind[];
  /** Tag keys (as the policy spells them) to act on; default every key. */
  targetTags?: readonly string[];
  /** true: mark-for-op + notify, nothing is changed; false: tag and rename-tag actions. */
  dryRun: boolean;
  /** Days between the mark and the operation (dry run). */
  graceDays: number;
  /** Run as a scheduled Lambda instead of from the command line. */
  periodic?: { schedule: string; role: string };
  notify: { to: readonly string[]; queue: string };
  /** Role c7n-org assumes in each member account. */
  roleName: string;
  /** The organisation's management account, which has no member-account role by default (a note says so). */
  managementAccountId?: string;
  suggestions?: TagSuggestions;
  suggest?: SuggestionLookup;
  /** Named in each policy's description. */
  scanId?: string;
}

export interface CustodianPolicySummary {
  name: string;
  resource: string;
  resourceType: string;
  purpose: 'audit' | 'tag' | 'rename';
  /** Tag key a tag or rename policy fixes. */
  tag?: string;
  /** Resources of the scan this policy is meant to select. */
  resourcesInScan: number;
  /** True when a tag value is a placeholder to fill in before running. */
  placeholder?: boolean;
}

export interface CustodianArtefact {
  policyYaml: string;
  accountsYaml: string;
  policies: CustodianPolicySummary[];
  /** Violating resources read, by type, before filters. */
  violatingResources: number;
  unsupportedTypes: { resourceType: string; resources: number }[];
  accounts: { accountId: string; regions: string[] }[];
  notes: string[];
}

export const MARK_TAG = 'c7n_tag_compliance';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const MAX_SLUG = 40;

interface TypeState {
  resources: number;
  seenKeys: Set<string>;
  /** tag -> value -> resource ids; PLACEHOLDER groups only count. */
  fixes: Map<string, { groups: Map<string, string[]>; defaultCount: number; defaultValue: string | null }>;
  /** `${foundKey}\u0000${tag}` -> resources. */
  renames: Map<string, number>;
}

export async function generateCustodianPolicies(
  policy: TaggingPolicy, rows: AsyncIterable<ScanResourceRow>, opts: CustodianOptions,
): Promise<CustodianArtefact> {
  const compiled = compilePolicy(policy);
  const kinds = new Set<CustodianKind>(opts.violationTypes?.length ? opts.violationTypes : CUSTODIAN_KINDS);
  const targetTags = opts.targetTags?.length ? new Set(opts.targetTags) : null;
  const types = new Map<string, TypeState>();
  const unsupported = new Map<string, number>();
  const accounts = new Map<string, Set<string>>();
  let violating = 0;

  for await (const row of rows) {
    if (row.compliant || row.cloud !== 'aws' || !typeWanted(row.resourceType, opts.resourceTypes)) continue;
    violating++;
    if (!custodianResourceOf(row.resourceType)) {
      unsupported.set(row.resourceType, (unsupported.get(row.resourceType) ?? 0) + 1);
      continue;
    }
    const rules = actionableRules(compiled, row.resourceType, targetTags);
    const findings = errorFindings(row, kinds, rules);
    if (findings.length === 0) continue;
    let state = types.get(row.resourceType);
    if (!state) types.set(row.resourceType, state = { resources: 0, seenKeys: new Set(), fixes: new Map(), renames: new Map() });
    state.resources++;
    for (const key of Object.keys(row.tags)) state.seenKeys.add(key);
    const regions = accounts.get(row.account) ?? new Set<string>();
    if (REGION.test(row.region)) regions.add(row.region);
    accounts.set(row.account, regions);
    if (!opts.dryRun) {
      // A key in the wrong case is renamed whether the policy calls it an error or a warning.
      const warnings = (row.violations as StoredFinding[]).filter((f) => f?.kind === 'key_case_mismatch' && f.severity !== 'error' &&
        (!targetTags || targetTags.has(f.tag)));
      planFixes(state, row, [...findings, ...warnings], rules, suggestedFor(row, opts.suggestions, opts.suggest));
    }
  }

  const policies: Record<string, unknown>[] = [];
  const used = new Set<string>();
  const unique = (name: string) => {
    let out = name;
    for (let i = 2; used.has(out); i++) out = `${name}-${i}`;
    used.add(out);
    return out;
  };
  const summaries: CustodianPolicySummary[] = [];
  const notes: string[] = [];
  for (const [resourceType, state] of [...types].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const res = custodianResourceOf(resourceType)!;
    const rules = actionableRules(compiled, resourceType, targetTags);
    const filterOpts = { caseSensitive: compiled.caseSensitive, maxValueLength: compiled.maxValueLength, seenVariants: state.seenKeys };
    const audit = anyOf(rules.map((rule) => ruleFilter(rule, { ...filterOpts, kinds })));
    if (!audit) continue;
    const base = { resource: res.resource, ...(opts.periodic ? { mode: { type: 'periodic', ...opts.periodic } } : {}) };
    const typeSlug = slug(resourceType);
    if (opts.dryRun) {
      const name = unique(`tag-compliance-${typeSlug}`);
      policies.push({
        name, ...base,
        description: describe(`Resources of type ${resourceType} breaking the tagging policy`, opts.scanId, state.resources),
        filters: [audit],
        actions: [
          { type: 'mark-for-op', tag: MARK_TAG, op: 'tag', days: opts.graceDays,
            msg: 'Tags break the tagging policy; fix them before {action_date}: {op}@{action_date}' },
          { type: 'notify', to: [...opts.notify.to], subject: `Tag compliance: ${resourceType} resources to fix`,
            template: 'default', transport: { type: 'sqs', queue: opts.notify.queue } },
        ],
      });
      summaries.push({ name, resource: res.resource, resourceType, purpose: 'audit', resourcesInScan: state.resources });
      continue;
    }
    const fixKinds = new Set([...kinds].filter((k) => k !== 'wrong_key_case'));
    for (const rule of rules) {
      const fix = state.fixes.get(rule.name);
      const keyFilter = fix && ruleFilter(rule, { ...filterOpts, kinds: fixKinds });
      if (!fix || !keyFilter) continue;
      const pinned = [...fix.groups].sort(([a], [b]) => (a < b ? -1 : 1));
      const allPinned = pinned.flatMap(([, ids]) => ids);
      const groups: { value: string; filters: Filter[]; count: number }[] = pinned.map(([value, ids]) => ({
        value, count: ids.length, filters: [keyFilter, { type: 'value', key: res.idField, op: 'in', value: ids.map(literal) }],
      }));
      if (fix.defaultCount > 0) {
        const except = allPinned.length ? [{ not: [{ type: 'value', key: res.idField, op: 'in', value: allPinned.map(literal) }] }] : [];
        groups.push({ value: fix.defaultValue ?? placeholderFor(rule.name), count: fix.defaultCount, filters: [keyFilter, ...except] });
      }
      groups.forEach((group, i) => {
        const name = unique(`tag-fix-${typeSlug}-${slug(rule.name)}-${i + 1}`);
        const placeholder = group.value === placeholderFor(rule.name);
        policies.push({
          name, ...base,
          description: describe(`Sets ${rule.name} on ${resourceType} resources where it is missing or invalid` +
            (placeholder ? '; FILL IN the value before running' : ''), opts.scanId, group.count),
          filters: group.filters,
          actions: [{ type: 'tag', key: literal(rule.name), value: literal(group.value) }],
        });
        summaries.push({ name, resource: res.resource, resourceType, purpose: 'tag', tag: rule.name, resourcesInScan: group.count,
          ...(placeholder ? { placeholder: true } : {}) });
      });
    }
    let n = 0;
    for (const [pair, count] of [...state.renames].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [oldKey, newKey] = pair.split('\u0000') as [string, string];
      if (!res.renameTag) {
        notes.push(`${res.resource} has no rename-tag action: rename "${oldKey}" to "${newKey}" on ${count} ${resourceType} resource(s) by hand.`);
        continue;
      }
      const name = unique(`tag-rename-${typeSlug}-${++n}`);
      policies.push({
        name, ...base,
        description: describe(`Renames tag key ${oldKey} to ${newKey} on ${resourceType} resources`, opts.scanId, count),
        filters: [{ [`tag:${oldKey}`]: 'present' }, { [`tag:${newKey}`]: 'absent' }],
        actions: [{ type: 'rename-tag', old_key: literal(oldKey), new_key: literal(newKey) }],
      });
      summaries.push({ name, resource: res.resource, resourceType, purpose: 'rename', tag: newKey, resourcesInScan: count });
    }
  }
  if (compiled.caseSensitive === false && types.size > 0) {
    notes.push('Tag keys are case-insensitive in this policy, but Custodian matches keys exactly: the filters list the key ' +
      'spellings seen in the scan plus all-lower and all-upper case; a resource with another spelling is reported as missing the tag.');
  }
  if (opts.managementAccountId && accounts.has(opts.managementAccountId)) {
    notes.push(`accounts_yaml gives the management account ${opts.managementAccountId} the role ${opts.roleName}, which ` +
      'Organizations creates only in member accounts: create it there, or replace role with a profile.');
  }
  const accountList = [...accounts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([accountId, regions]) => ({ accountId, regions: [...regions].sort() }));
  return {
    policyYaml: yamlOf({ policies }, `Cloud Custodian policies generated from tag compliance scan ${opts.scanId ?? ''}`.trim() +
      `\n${opts.dryRun ? 'Dry run: resources are marked and owners notified; no tag is changed.' : 'Fix policies: review placeholder values (<set Key>) first.'}`),
    accountsYaml: yamlOf({ accounts: accountList.map((a) => ({
      account_id: a.accountId,
      name: `account-${a.accountId}`,
      regions: a.regions,
      // c7n-org needs a role (or profile) for every account, the management account included.
      role: `arn:aws:iam::${a.accountId}:role/${opts.roleName}`,
    })) }, 'c7n-org accounts: the accounts and regions where the scan found violations'),
    policies: summaries,
    violatingResources: violating,
    unsupportedTypes: [...unsupported].map(([resourceType, resources]) => ({ resourceType, resources })),
    accounts: accountList,
    notes,
  };
}

/** Whether `type` is selected by requested types (exact, `service:*`, `all`); none requested = all. */
export function typeWanted(type: string, requested: readonly string[] | undefined): boolean {
  if (!requested?.length || requested.includes('all')) return true;
  return requested.includes(type) || requested.includes(`${type.split(':', 1)[0]}:*`);
}

function actionableRules(compiled: CompiledPolicy, type: string, targetTags: ReadonlySet<string> | null): readonly CompiledRule[] {
  const rules = compiled.rulesFor('aws', type);
  return targetTags ? rules.filter((r) => targetTags.has(r.name)) : rules;
}

interface StoredFinding { kind: string; tag: string; severity: string; foundKey?: string; suggestion?: string }

function errorFindings(row: ScanResourceRow, kinds: ReadonlySet<string>, rules: readonly CompiledRule[]): StoredFinding[] {
  const names = new Set(rules.map((r) => r.name));
  return (row.violations as StoredFinding[]).filter((f) => f && f.severity === 'error' && kinds.has(f.kind) && names.has(f.tag));
}

function planFixes(state: TypeState, row: ScanResourceRow, findings: StoredFinding[], rules: readonly CompiledRule[],
  suggested: Readonly<Record<string, string>> | undefined): void {
  for (const f of findings) {
    if ((f.kind === 'wrong_key_case' || f.kind === 'key_case_mismatch') && f.foundKey) {
      const pair = `${f.foundKey}\u0000${f.tag}`;
      state.renames.set(pair, (state.renames.get(pair) ?? 0) + 1);
      continue;
    }
    const rule = rules.find((r) => r.name === f.tag);
    if (!rule) continue;
    let fix = state.fixes.get(f.tag);
    const only = rule.allowedList?.length === 1 ? rule.allowedList[0]! : null;
    if (!fix) state.fixes.set(f.tag, fix = { groups: new Map(), defaultCount: 0, defaultValue: only });
    const candidate = suggested?.[f.tag] ?? f.suggestion;
    if (candidate !== undefined && acceptable(rule, candidate) && candidate !== only) {
      const ids = fix.groups.get(candidate) ?? [];
      ids.push(custodianIdOf(row.resourceType, row.resourceId));
      fix.groups.set(candidate, ids);
    } else {
      fix.defaultCount++;
    }
  }
}

function anyOf(filters: (Filter | null)[]): Filter | null {
  const present = filters.filter((f): f is Filter => f !== null);
  if (present.length === 0) return null;
  return present.length === 1 ? present[0]! : { or: present };
}

function describe(what: string, scanId: string | undefined, count: number): string {
  return literal(`${what}. ${count} such resource(s) in scan ${scanId ?? '(unknown)'}.`);
}

/** Lowercase letters, digits and single hyphens, as Custodian policy names need. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_SLUG).replace(/-+$/, '');
  return s || 'x';
}

function yamlOf(value: unknown, comment: string): string {
  // No anchors: a filter reused in several policies is written out each time.
  const doc = new Document(value, { aliasDuplicateObjects: false });
  doc.commentBefore = ` ${comment.split('\n').join('\n ')}`;
  return doc.toString({ lineWidth: 0 });
}
