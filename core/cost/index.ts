// Public API of the cost model: services and periods, the per-resource figures, the gap, tag spend.
export { checkPeriod, lastFullMonth, periodDays, PeriodError, resourceLevelWindow, RESOURCE_LEVEL_DAYS, type CostPeriod } from './period.js';
export {
  costResourceKey, EC2_COMPUTE, EC2_OTHER, FREE_TYPES, IDLE_SQL, isIdle, RDS, RESOURCE_LEVEL_SERVICES, SERVICE_OF_TYPE,
  unattributableCategory, type UnattributableCategory,
} from './services.js';
export {
  buildCostModel, modelRates, resourceCost, serviceOf, type TypeRate,
  type CostBasis, type CostGroup, type CostModel, type ExcludedSpend, type KeyedResource, type ModelInput, type ResourceFigure,
  type ResourceSpend, type ServiceAllocation, type ServiceSpend, type Unallocated,
} from './model.js';
export { BASIS_MEANINGS, computeGap, GAP_GROUPINGS, groupFigure, type FigureCounts, type GapGrouping, type GapResult, type GapRow } from './gap.js';
export { summariseTagSpend, tagValueOf, type TagSpendGroup, type TagSpendSummary } from './tags.js';
export { explainZero, type Explanation, type ZeroReason } from './explain.js';
