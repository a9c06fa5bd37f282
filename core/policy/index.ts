// Public API of the tagging policy model: parse and validate, compile, convert from AWS Organizations.
export {
  CLOUDS,
  SEVERITIES,
  PolicyValidationError,
  formatPath,
  parsePolicy,
  parsePolicyJson,
  taggingPolicySchema,
  type OptionalTagRule,
  type PolicyIssue,
  type RequiredTagRule,
  type Severity,
  type TagNamingRules,
  type TaggingPolicy,
  type TaggingPolicyInput,
} from './schema.js';
export { CATASTROPHIC_REGEX, INVALID_REGEX, regexProblem } from './regex.js';
export { appliesToAllTypes, compilePolicy, coveredResourceTypes, type CompiledPolicy, type CompiledRule } from './compile.js';
export { convertAwsOrgTagPolicy, type AwsOrgConversionOptions } from './aws-org.js';
export {
  describeUnsupported, mergeTagPolicies, TagPolicyMergeError,
  type EffectiveTag, type EffectiveTagPolicy, type TagPolicyLayer, type UnsupportedUse,
} from './effective.js';
