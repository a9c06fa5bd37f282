// The compliance report document of one stored scan, as generate_compliance_report builds it and
// as the CLI's `report` command prints it: one code path, so both show the same figures.
import { buildReport, type ComplianceReport } from '../../core/report/index.js';
import type { ScanScope } from '../../core/scope.js';
import type { ScanRecord } from '../../store/index.js';
import type { ToolContext } from '../context.js';
import { modelPricedViolations } from '../cost/untagged-costs.js';
import { consistencySection, scopeClouds } from './cross-cloud.js';
import { dataQualityOf, reportScopeOf } from './state-views.js';

export interface ScanReportOptions {
  includeRecommendations: boolean;
  topN: number;
  generatedAt?: Date;
}

/**
 * Aggregates (by SQL), cross-cloud consistency for scans of several clouds and violations priced
 * by the cost model, assembled into the report. `scope` is the scan's cloud scope; an inventory
 * scan has none, and its findings keep the costs stored with its rows.
 */
export async function scanReport(ctx: ToolContext, scan: ScanRecord, scope: ScanScope | undefined, opts: ScanReportOptions): Promise<ComplianceReport> {
  const [aggregates, consistency] = await Promise.all([
    ctx.store.reportAggregates(scan.id),
    scopeClouds(scan).length > 1 ? consistencySection(ctx.store, scan) : undefined,
  ]);
  // Violations by cost: the cost model's figures (Cost Explorer) when AWS access is configured.
  if (scope) aggregates.violations = await modelPricedViolations(ctx, scan, scope, aggregates.violations);
  return buildReport({
    ...aggregates,
    ...(consistency ? { consistency } : {}),
    scanId: scan.workflowId,
    finishedAt: scan.finishedAt,
    policyVersionId: scan.policyVersionId,
    scope: reportScopeOf(scan),
    dataQuality: dataQualityOf(scan),
  }, { generatedAt: opts.generatedAt ?? new Date(), includeRecommendations: opts.includeRecommendations, topN: opts.topN });
}
