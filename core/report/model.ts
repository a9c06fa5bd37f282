// The compliance report as a document: built from a scan's SQL aggregates, with breakdowns,
// violation rankings and recommendations; renderers turn it into json, markdown, csv or html.
import { complianceScore, scanScore } from '../compliance/score.js';
import { recommend, type Recommendation } from './recommendations.js';

/** What the scan covered, as stored with it. `null` lists mean "every configured one". */
export interface ReportScope {
  resource_types: string[];
  accounts: string[] | null;
  regions: string[] | null;
}

/** A target the scan could not read. */
export interface MissingTarget {
  account: string | null;
  region: string | null;
  resource_type: string | null;
  error_type: string | null;
  reason: string | null;
}

/** The peer's data_quality block: partial results must never be presented as complete. */
export interface DataQualitySummary {
  status: 'complete' | 'partial' | 'unknown';
  missing_total: number;
  /** A capped list; missing_total counts all of them. */
  missing: MissingTarget[];
}

export interface ReportCounts {
  total: number;
  compliant: number;
  /** Resources with no tag at all. */
  neverTagged: number;
  /** Resources missing at least one required tag. */
  missingRequired: number;
  /** Findings of every kind and severity. */
  findings: number;
  /** Resources whose monthly cost is known. */
  resourcesWithCost: number;
  /** Sums over resources with a known cost; null when no cost is known. */
  totalCost: number | null;
  nonCompliantCost: number | null;
}

export interface BreakdownStat {
  key: string;
  total: number;
  compliant: number;
  nonCompliantCost: number | null;
}

/** One (tag, kind, severity) finding across the scan's resources. */
export interface ViolationStat {
  tag: string;
  kind: string;
  severity: string;
  /** Resources with this finding. */
  resources: number;
  /** Of those, resources that are non-compliant (a warning alone does not make them so). */
  nonCompliantResources: number;
  /** Sum of monthly_cost of the non-compliant ones, when known. */
  cost: number | null;
  /** A few distinct keys found on resources (case variants). */
  foundKeys: string[];
  /** A few distinct values found on resources. */
  values: string[];
  allowed: string[] | null;
  /** value -> allowed value that matches it ignoring case. */
  suggestions: { value: string; suggestion: string }[];
}

/** The aggregates the store computes for a scan. */
export interface ReportAggregates {
  counts: ReportCounts;
  byResourceType: BreakdownStat[];
  byAccount: BreakdownStat[];
  byRegion: BreakdownStat[];
  /** Absent where a caller built aggregates before reports broke down by cloud. */
  byCloud?: BreakdownStat[];
  violations: ViolationStat[];
}

/** A tag spelled (key) or valued differently across clouds, with resource counts per cloud. */
export interface ConsistencyRow {
  tag: string;
  kind: 'key_spelling' | 'value_spelling';
  canonical: string | null;
  variants: { spelling: string; declared: boolean; counts: Record<string, number> }[];
  counts: Record<string, number>;
  message: string;
}

export interface ConsistencySection {
  issues: ConsistencyRow[];
  /** Issues before the list was capped. */
  issues_total: number;
  /** The (cloud, key, value) counts were capped: rare spellings may be missing. */
  truncated: boolean;
}

export interface ReportInput extends ReportAggregates {
  scanId: string;
  finishedAt: string | null;
  policyVersionId: number | null;
  scope: ReportScope;
  dataQuality: DataQualitySummary;
  consistency?: ConsistencySection;
}

export interface ReportOptions {
  generatedAt: Date;
  includeRecommendations: boolean;
  /** Entries of each violation ranking (default 10). */
  topN?: number;
  /** Rows of each breakdown (default 100); the rest is counted in breakdown_groups. */
  maxGroups?: number;
}

export interface BreakdownRow {
  key: string;
  total: number;
  compliant: number;
  non_compliant: number;
  compliance_score: number;
  non_compliant_monthly_cost: number | null;
}

export interface ViolationRow {
  tag: string;
  kind: string;
  severity: string;
  resources: number;
  non_compliant_resources: number;
  monthly_cost: number | null;
}

export interface ReportSummary {
  /** null when the scan saw no resource: a score of nothing is not 100%. */
  compliance_score: number | null;
  total_resources: number;
  compliant: number;
  non_compliant: number;
  never_tagged: number;
  missing_required_tags: number;
  findings: number;
  resources_with_cost: number;
  total_monthly_cost: number | null;
  non_compliant_monthly_cost: number | null;
}

export interface ComplianceReport {
  title: string;
  generated_at: string;
  scan: { id: string; finished_at: string | null; policy_version_id: number | null; scope: ReportScope };
  data_quality: DataQualitySummary;
  summary: ReportSummary;
  by_resource_type: BreakdownRow[];
  by_account: BreakdownRow[];
  by_region: BreakdownRow[];
  /** One row per cloud the scan read, sorted by cloud name. */
  by_cloud: BreakdownRow[];
  /** How many groups each breakdown had before it was capped. */
  breakdown_groups: { resource_type: number; account: number; region: number };
  /** Cross-cloud spelling differences of the same logical tag; present when the report has them. */
  consistency?: ConsistencySection;
  top_violations_by_count: ViolationRow[];
  /** Only findings whose non-compliant resources have a known, positive cost. */
  top_violations_by_cost: ViolationRow[];
  recommendations: Recommendation[];
}

export const REPORT_TITLE = 'Tag compliance report';

export function breakdownRow(stat: BreakdownStat): BreakdownRow {
  return {
    key: stat.key,
    total: stat.total,
    compliant: stat.compliant,
    non_compliant: stat.total - stat.compliant,
    compliance_score: complianceScore(stat.compliant, stat.total),
    non_compliant_monthly_cost: roundMoney(stat.nonCompliantCost),
  };
}

/** Most non-compliant first, then lowest score, then by key: the groups worth acting on lead. */
export function sortBreakdown(rows: BreakdownRow[]): BreakdownRow[] {
  return [...rows].sort((a, b) => b.non_compliant - a.non_compliant || a.compliance_score - b.compliance_score ||
    compareText(a.key, b.key));
}

export function violationRow(stat: ViolationStat): ViolationRow {
  return {
    tag: stat.tag,
    kind: stat.kind,
    severity: stat.severity,
    resources: stat.resources,
    non_compliant_resources: stat.nonCompliantResources,
    monthly_cost: roundMoney(stat.cost),
  };
}

export function rankByCount(stats: ViolationStat[], topN: number): ViolationRow[] {
  return [...stats]
    .sort((a, b) => b.resources - a.resources || severityRank(a.severity) - severityRank(b.severity) ||
      compareText(a.tag, b.tag) || compareText(a.kind, b.kind))
    .slice(0, topN).map(violationRow);
}

export function rankByCost(stats: ViolationStat[], topN: number): ViolationRow[] {
  return stats.filter((s) => s.cost !== null && s.cost > 0)
    .sort((a, b) => b.cost! - a.cost! || b.resources - a.resources || compareText(a.tag, b.tag) || compareText(a.kind, b.kind))
    .slice(0, topN).map(violationRow);
}

export function buildReport(input: ReportInput, opts: ReportOptions): ComplianceReport {
  const topN = opts.topN ?? 10;
  const maxGroups = opts.maxGroups ?? 100;
  const c = input.counts;
  const breakdown = (stats: BreakdownStat[]) => sortBreakdown(stats.map(breakdownRow)).slice(0, maxGroups);
  return {
    title: REPORT_TITLE,
    generated_at: opts.generatedAt.toISOString(),
    scan: { id: input.scanId, finished_at: input.finishedAt, policy_version_id: input.policyVersionId, scope: input.scope },
    data_quality: input.dataQuality,
    summary: {
      compliance_score: scanScore(c.compliant, c.total),
      total_resources: c.total,
      compliant: c.compliant,
      non_compliant: c.total - c.compliant,
      never_tagged: c.neverTagged,
      missing_required_tags: c.missingRequired,
      findings: c.findings,
      resources_with_cost: c.resourcesWithCost,
      total_monthly_cost: roundMoney(c.totalCost),
      non_compliant_monthly_cost: roundMoney(c.nonCompliantCost),
    },
    by_resource_type: breakdown(input.byResourceType),
    by_account: breakdown(input.byAccount),
    by_region: breakdown(input.byRegion),
    by_cloud: (input.byCloud ?? []).map(breakdownRow).sort((a, b) => compareText(a.key, b.key)),
    breakdown_groups: {
      resource_type: input.byResourceType.length, account: input.byAccount.length, region: input.byRegion.length,
    },
    ...(input.consistency ? { consistency: input.consistency } : {}),
    top_violations_by_count: rankByCount(input.violations, topN),
    top_violations_by_cost: rankByCost(input.violations, topN),
    recommendations: opts.includeRecommendations ? recommend(input) : [],
  };
}

/** Cents are enough for monthly estimates; keeps float noise out of documents. */
export function roundMoney(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

function severityRank(severity: string): number {
  return severity === 'error' ? 0 : 1;
}

/** Locale-independent ordering, so the same data renders the same report everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
