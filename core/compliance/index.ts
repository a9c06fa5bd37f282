// Public API of compliance evaluation: findings per resource, the verdict, the score,
// cross-cloud consistency and Azure resource-group inheritance.
export { FINDING_KINDS, evaluate, evaluateResource, type Evaluation, type Finding, type FindingKind } from './evaluate.js';
export { complianceScore, scanScore, summarise, type ComplianceSummary } from './score.js';
export {
  consistencyKeyFolds, crossCloudConsistency, crossCloudConsistencyFromCounts, foldTagKey,
  type CloudCounts, type ConsistencyIssue, type SpellingVariant, type TagValueCount,
} from './consistency.js';
export {
  RESOURCE_GROUP_TYPE, indexResourceGroups, inheritableFromResourceGroup, inheritableTags, resourceGroupKey,
  type InheritableTag,
} from './inherit.js';
