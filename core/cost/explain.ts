// Why a cost figure is $0, in words the user can act on: nothing in scope, a free tier (Cost
// Explorer shows no charges), everything stopped, only unattributable spend, or cost allocation
// tags that were never activated.
import type { GapResult } from './gap.js';
import type { CostModel } from './model.js';
import type { TagSpendSummary } from './tags.js';

export type ZeroReason = 'no_resources' | 'free_tier' | 'all_stopped' | 'only_unattributable' | 'all_compliant' | 'tags_not_activated';

export interface Explanation {
  reason: ZeroReason;
  message: string;
}

export function explainZero(model: CostModel, gap: GapResult, tags: TagSpendSummary[]): Explanation[] {
  const out: Explanation[] = [];
  const excluded = model.excluded.reduce((s, e) => s + e.amount, 0);
  if (gap.attributableSpend <= 0) {
    if (gap.resources === 0 && model.totalSpend <= 0) {
      out.push({ reason: 'no_resources', message: 'No resources in scope and no spend: nothing to attribute (check the scope, or scan again).' });
    } else if (model.totalSpend <= 0) {
      out.push({ reason: 'free_tier', message: `Cost Explorer reports $0 for ${model.period.start}..${model.period.end} although ${gap.resources} ` +
        'resource(s) are in scope: usage within the free tier (or covered by credits), or Cost Explorer was enabled only recently ' +
        '(it has data from the day it was enabled).' });
    } else if (excluded > 0 && model.totalSpend - excluded - model.outOfScope <= 0) {
      out.push({ reason: 'only_unattributable', message: 'All spend in scope is of services no tag can attribute (fees, support, tax, API usage, ' +
        'data transfer): see excluded_spend.' });
    }
    if (gap.resources > 0 && gap.idleInstances === gap.resources) {
      out.push({ reason: 'all_stopped', message: 'Every resource in scope is a stopped EC2 instance: $0 compute.' });
    }
  } else if (gap.gap <= 0.005) {
    out.push({ reason: 'all_compliant', message: 'Every resource carrying spend is compliant: nothing is unattributed.' });
  }
  const inactive = tags.filter((t) => t.activated === false).map((t) => t.key);
  if (inactive.length) {
    out.push({ reason: 'tags_not_activated', message: `Cost Explorer shows every dollar without ${inactive.join(', ')}: ` +
      `${inactive.length === 1 ? 'this tag is not activated as a cost allocation tag' : 'these tags are not activated as cost allocation tags'} ` +
      '(Billing → Cost allocation tags; ' +
      'data starts from activation). The gap above uses the resources\' own tags from the scan, so it is not affected.' });
  }
  return out;
}
