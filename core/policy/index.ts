// Public API of the tagging policy model: parse and validate, compile (per-cloud spellings, GCP
// label rules), convert from AWS Organizations.
export {
  CLOUDS,
  SEVERITIES,
  PolicyValidationError,
  formatPath,
  parsePolicy,
  parsePolicyJson,
  taggingPolicySchema,
  type CloudSpelling,
  type OptionalTagRule,
  type PolicyIssue,
  type RequiredTagRule,
  type Severity,
  type TagNamingRules,
  type TaggingPolicy,
  type TaggingPolicyInput,
} from './schema.js';
export { CATASTROPHIC_REGEX, INVALID_REGEX, regexProblem } from './regex.js';
export { appliesToAllTypes, compilePolicy, coveredResourceTypes, isGcpLabelValue, type CompiledPolicy, type CompiledRule } from './compile.js';
export { GCP_LABEL_MAX_LENGTH, gcpLabelKeyProblem, gcpLabelValueProblem, suggestGcpLabelKey } from './gcp-labels.js';
export { convertAwsOrgTagPolicy, type AwsOrgConversionOptions } from './aws-org.js';
export {
  describeUnsupported, mergeTagPolicies, TagPolicyMergeError,
  type EffectiveTag, type EffectiveTagPolicy, type TagPolicyLayer, type UnsupportedUse,
} from './effective.js';
