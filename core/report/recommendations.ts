// Recommendations derived from a scan's aggregates. The peer's rules are the floor: the most
// missed tag first, the least compliant types, key case, allowed values, never-tagged resources
// (tag at creation, enforce with policies), and a warning when the data is partial.
import { complianceScore } from '../compliance/score.js';
import { describeTarget, money, percent, plural } from './format.js';
import type { ReportInput, ViolationStat } from './model.js';

export type RecommendationPriority = 'high' | 'medium' | 'low';

export interface Recommendation {
  priority: RecommendationPriority;
  /** data_quality, missing_tag, tag_at_creation, cost, resource_type, key_case, allowed_values, value_format, empty_value, monitor, scope */
  category: string;
  message: string;
}

const PRIORITY_ORDER: Record<RecommendationPriority, number> = { high: 0, medium: 1, low: 2 };
/** Types below this score are called out. */
const WEAK_TYPE_SCORE = 0.8;

export function recommend(input: ReportInput): Recommendation[] {
  const out: Recommendation[] = [];
  const { counts, dataQuality } = input;
  if (dataQuality.status !== 'complete') {
    const examples = dataQuality.missing.slice(0, 3).map(describeTarget).join(', ');
    out.push({
      priority: 'high', category: 'data_quality',
      message: dataQuality.status === 'partial'
        ? `Partial data: ${plural(dataQuality.missing_total, 'target')} could not be read${examples ? ` (${examples})` : ''}. ` +
          'The figures undercount; fix access to those targets and rescan before presenting them as complete.'
        : 'The scan did not record whether it read every target; treat the figures as possibly incomplete.',
    });
  }
  if (counts.total === 0) {
    out.push({ priority: 'low', category: 'scope',
      message: 'No resources were found in this scope; check resource_types, accounts and regions.' });
    return out;
  }

  const byKind = (kind: string) => input.violations.filter((v) => v.kind === kind);
  const share = (n: number) => percent(complianceScore(n, counts.total));

  // Counted per tag and kind: resources missing a tag and resources carrying it with a bad value are
  // different groups with different fixes, and one tag's findings may be split by severity.
  const missing = byTagOf(byKind('missing_required_tag')).sort((a, b) => b.resources - a.resources || cmp(a.tag, b.tag));
  missing.slice(0, 3).forEach((stat, i) => {
    const cost = stat.cost !== null && stat.cost > 0 ? `, ${money(stat.cost)}/month of non-compliant spend` : '';
    const allowed = stat.allowed?.length ? ` Allowed values: ${stat.allowed.join(', ')}.` : '';
    out.push({
      priority: i === 0 ? 'high' : 'medium', category: 'missing_tag',
      message: `${i === 0 ? 'Most missed tag' : 'Missing tag'}: "${stat.tag}" is missing on ${plural(stat.resources, 'resource')} ` +
        `(${share(stat.resources)} of the scope${cost}); add it ${i === 0 ? 'first' : 'next'}.${allowed}`,
    });
  });

  if (counts.neverTagged > 0) {
    out.push({
      priority: counts.neverTagged * 10 >= counts.total ? 'high' : 'medium', category: 'tag_at_creation',
      message: `${plural(counts.neverTagged, 'resource')} (${share(counts.neverTagged)}) have no tags at all. Tag at creation ` +
        '(IaC default tags such as the Terraform provider\'s default_tags, CloudFormation stack tags) and enforce it with ' +
        'AWS Organizations tag policies and SCPs that deny creating untagged resources.',
    });
  }

  if (counts.nonCompliantCost !== null && counts.nonCompliantCost > 0) {
    const top = input.violations.filter((v) => v.cost !== null && v.cost > 0).sort((a, b) => b.cost! - a.cost!)[0];
    const knownShare = counts.totalCost ? ` (${percent(Math.min(1, counts.nonCompliantCost / counts.totalCost))} of known spend)` : '';
    out.push({
      priority: 'high', category: 'cost',
      message: `${money(counts.nonCompliantCost)}/month${knownShare} runs on non-compliant resources and cannot be fully ` +
        `attributed${top ? `; the costliest gap is ${describeFinding(top)} (${money(top.cost)}/month)` : ''}. Fix the costliest first.`,
    });
  }

  const weakTypes = input.byResourceType
    .map((t) => ({ ...t, score: complianceScore(t.compliant, t.total) }))
    .filter((t) => t.score < WEAK_TYPE_SCORE)
    .sort((a, b) => a.score - b.score || (b.total - b.compliant) - (a.total - a.compliant) || cmp(a.key, b.key))
    .slice(0, 3);
  if (weakTypes.length > 0) {
    out.push({
      priority: 'medium', category: 'resource_type',
      message: `Lowest compliance by resource type: ${weakTypes.map((t) => `${t.key} ${percent(t.score)} (${t.compliant} of ${t.total})`).join('; ')}. ` +
        'Focus remediation there (for example with a Cloud Custodian policy for that type).',
    });
  }

  const caseStats = [...byKind('wrong_key_case'), ...byKind('key_case_mismatch')];
  for (const [tag, stats] of groupByTag(caseStats)) {
    const variants = [...new Set(stats.flatMap((s) => s.foundKeys))].sort(cmp);
    const resources = stats.reduce((n, s) => n + s.resources, 0);
    const isError = stats.some((s) => s.severity === 'error' && s.kind === 'wrong_key_case');
    out.push({
      priority: isError ? 'medium' : 'low', category: 'key_case',
      message: `Normalise tag keys: rename ${variants.length ? variants.map((k) => `"${k}"`).join(', ') : 'case variants'} to "${tag}" ` +
        `on ${plural(resources, 'resource')}${isError ? ' (keys are case-sensitive in this policy, so they count as missing)' : ''}.`,
    });
  }

  for (const stat of byTagOf(byKind('invalid_value'))) {
    const seen = stat.values.length ? `; seen: ${stat.values.map((v) => `"${v}"`).join(', ')}` : '';
    const allowed = stat.allowed?.length ? ` Allowed values: ${stat.allowed.join(', ')}.` : '';
    const fixes = stat.suggestions.length
      ? ` Likely fixes: ${stat.suggestions.map((s) => `"${s.value}" → "${s.suggestion}"`).join(', ')}.` : '';
    out.push({
      priority: 'medium', category: 'allowed_values',
      message: `Tag "${stat.tag}" has an invalid value on ${plural(stat.resources, 'resource')} (not in its allowed list${seen}).${allowed}${fixes}`,
    });
  }

  for (const stat of byKind('invalid_format')) {
    out.push({
      priority: 'medium', category: 'value_format',
      message: `Tag "${stat.tag}" values do not match the policy's validation_regex on ${plural(stat.resources, 'resource')}` +
        `${stat.values.length ? ` (e.g. ${stat.values.slice(0, 3).map((v) => `"${v}"`).join(', ')})` : ''}; ` +
        'see get_tagging_policy for the expected format.',
    });
  }

  for (const stat of byKind('empty_value')) {
    out.push({
      priority: 'medium', category: 'empty_value',
      message: `Tag "${stat.tag}" is present but empty on ${plural(stat.resources, 'resource')}; give it a value.`,
    });
  }

  if (counts.resourcesWithCost === 0) {
    out.push({ priority: 'low', category: 'cost',
      message: 'Monthly costs are unknown for this scan, so nothing is ranked by cost.' });
  }
  out.push({
    priority: 'low', category: 'monitor',
    message: 'Track progress: run check_tag_compliance with store_snapshot: true (or schedule a compliance audit) ' +
      'and compare snapshots with get_violation_history.',
  });
  return out.sort((a, b) => PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority]);
}

function describeFinding(stat: ViolationStat): string {
  return `${stat.kind.replace(/_/g, ' ')} "${stat.tag}"`;
}

/**
 * One stat per tag for stats of one kind: the store groups by (tag, kind, severity), and a rule's
 * severity can differ by resource type. A resource has one finding per tag, so counts add up.
 */
function byTagOf(stats: ViolationStat[]): ViolationStat[] {
  return groupByTag(stats).map(([, group]) => group.slice(1).reduce((acc, s) => ({
    ...acc,
    severity: acc.severity === 'error' || s.severity === 'error' ? 'error' : acc.severity,
    resources: acc.resources + s.resources,
    nonCompliantResources: acc.nonCompliantResources + s.nonCompliantResources,
    cost: acc.cost === null && s.cost === null ? null : (acc.cost ?? 0) + (s.cost ?? 0),
    values: [...new Set([...acc.values, ...s.values])],
    foundKeys: [...new Set([...acc.foundKeys, ...s.foundKeys])],
    suggestions: [...acc.suggestions, ...s.suggestions.filter((x) => !acc.suggestions.some((y) => y.value === x.value))],
  }), group[0]!));
}

function groupByTag(stats: ViolationStat[]): [string, ViolationStat[]][] {
  const groups = new Map<string, ViolationStat[]>();
  for (const s of stats) groups.set(s.tag, [...(groups.get(s.tag) ?? []), s]);
  return [...groups].sort((a, b) => cmp(a[0], b[0]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
