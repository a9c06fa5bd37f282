// Public API of compliance evaluation: findings per resource, the verdict, and the score.
export { FINDING_KINDS, evaluate, evaluateResource, type Evaluation, type Finding, type FindingKind } from './evaluate.js';
export { complianceScore, scanScore, summarise, type ComplianceSummary } from './score.js';
