// AWS enforcement of the policy: an Organizations tag policy (the reverse of core/policy/aws-org.ts,
// which reads one into our format) and the `REQUIRED_TAGS` managed Config rules, split to fit the
// rule's limits. Both the Terraform and the CloudFormation generators render these.
import { cloudRules, type CloudRule, type RemediationWarning, type ScanDigest } from './config-rules-policy.js';
import type { TaggingPolicy } from '../policy/index.js';

/** REQUIRED_TAGS takes tag1Key..tag6Key (https://docs.aws.amazon.com/config/latest/developerguide/required-tags.html). */
export const REQUIRED_TAGS_MAX_KEYS = 6;
/** PutConfigRule: InputParameters is at most 1024 characters. */
export const CONFIG_INPUT_PARAMETERS_MAX = 1024;
/** Organizations: a tag policy document is at most 10,000 characters. */
export const TAG_POLICY_MAX_CHARS = 10_000;
// The characters AWS allows in tag keys and values.
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

// Our `service:kind` -> the Config resource types REQUIRED_TAGS evaluates (the rule's documented
// list; a type outside it, such as lambda:function, is never checked by the rule).
const CONFIG_TYPES: Record<string, readonly string[]> = {
  'ec2:instance': ['AWS::EC2::Instance'],
  'ec2:volume': ['AWS::EC2::Volume'],
  'ec2:security-group': ['AWS::EC2::SecurityGroup'],
  'ec2:vpc': ['AWS::EC2::VPC'],
  'ec2:subnet': ['AWS::EC2::Subnet'],
  'ec2:network-interface': ['AWS::EC2::NetworkInterface'],
  'ec2:internet-gateway': ['AWS::EC2::InternetGateway'],
  'ec2:network-acl': ['AWS::EC2::NetworkAcl'],
  'ec2:route-table': ['AWS::EC2::RouteTable'],
  'ec2:customer-gateway': ['AWS::EC2::CustomerGateway'],
  'ec2:vpn-connection': ['AWS::EC2::VPNConnection'],
  'ec2:vpn-gateway': ['AWS::EC2::VPNGateway'],
  's3:bucket': ['AWS::S3::Bucket'],
  'rds:db': ['AWS::RDS::DBInstance'],
  'rds:snapshot': ['AWS::RDS::DBSnapshot'],
  'rds:secgrp': ['AWS::RDS::DBSecurityGroup'],
  'rds:subgrp': ['AWS::RDS::DBSubnetGroup'],
  'rds:es': ['AWS::RDS::EventSubscription'],
  'dynamodb:table': ['AWS::DynamoDB::Table'],
  // Classic and v2 load balancers share the ARN kind `loadbalancer`.
  'elasticloadbalancing:loadbalancer': ['AWS::ElasticLoadBalancing::LoadBalancer', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
  'redshift:cluster': ['AWS::Redshift::Cluster'],
  'codebuild:project': ['AWS::CodeBuild::Project'],
  'acm:certificate': ['AWS::ACM::Certificate'],
  'autoscaling:autoscalinggroup': ['AWS::AutoScaling::AutoScalingGroup'],
  'cloudformation:stack': ['AWS::CloudFormation::Stack'],
};

/** The Config resource types an applies_to entry names (a `service:*` names every known type of it). */
export function configResourceTypes(entry: string): string[] {
  const lower = entry.toLowerCase();
  if (lower.endsWith(':*')) {
    const service = lower.slice(0, -1);
    return Object.entries(CONFIG_TYPES).filter(([ours]) => ours.startsWith(service)).flatMap(([, cfn]) => cfn);
  }
  return [...(CONFIG_TYPES[lower] ?? [])];
}

export interface AwsOptions {
  /** Report only: `report_required_tag_for` without `enforced_for`. */
  dryRun: boolean;
  targetTags?: readonly string[];
}

/** `ec2:*` -> `ec2:ALL_SUPPORTED`, the spelling aws-org.ts reads back as `ec2:*`. */
function tagPolicyType(type: string): string {
  return type.endsWith(':*') ? `${type.slice(0, -2)}:ALL_SUPPORTED` : type;
}

/**
 * The tag policy documents, split when one would pass the size limit. A required tag without
 * applies_to is reported for the AWS types the scan found violating (tag policies have no
 * "every type" value); with none, it is written as a value rule only, and a warning says so.
 */
export function awsTagPolicies(policy: TaggingPolicy, digest: ScanDigest, opts: AwsOptions): { documents: object[]; warnings: RemediationWarning[] } {
  const warnings: RemediationWarning[] = [];
  const warn = (tag: string, message: string) => warnings.push({ cloud: 'aws', tag, message });
  const scannedTypes = [...digest.types.aws.keys()].map((t) => t.toLowerCase()).sort();
  const entries: [string, object][] = [];
  for (const rule of cloudRules(policy, 'aws', opts.targetTags)) {
    const entry: Record<string, unknown> = { tag_key: { '@@assign': rule.key } };
    const bad = [rule.key, ...(rule.values ?? [])].filter((s) => !AWS_TAG_TEXT.test(s));
    if (bad.length) warn(rule.name, `AWS tags allow only letters, digits, spaces and _ . : / = + - @; Organizations will refuse ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    if (rule.values) {
      if (rule.values.some((v) => v.includes('*'))) warn(rule.name, 'an allowed value holds "*", which a tag policy reads as a wildcard');
      entry.tag_value = { '@@assign': rule.values };
    }
    if (rule.regex) warn(rule.name, `validation_regex ${rule.regex} cannot be expressed in a tag policy or a Config rule; scans still check it`);
    if (rule.required) {
      const types = rule.appliesTo.length ? rule.appliesTo : scannedTypes;
      if (types.length === 0) {
        warn(rule.name, 'required for every type, which a tag policy cannot name: written as a value rule only (no violating AWS types in the scan to list)');
      } else {
        const awsTypes = [...new Set(types.map(tagPolicyType))];
        entry.report_required_tag_for = { '@@assign': awsTypes };
        if (!opts.dryRun) entry.enforced_for = { '@@assign': awsTypes };
      }
    }
    entries.push([rule.key.toLowerCase(), entry]);
  }
  // Greedy packing by the size of the document as written (pretty JSON), so no document passes the limit.
  const documents: Record<string, object>[] = [];
  let current: Record<string, object> = {};
  for (const [key, entry] of entries) {
    const next = { ...current, [key]: entry };
    if (Object.keys(current).length > 0 && JSON.stringify({ tags: next }, null, 2).length > TAG_POLICY_MAX_CHARS) {
      documents.push(current);
      current = { [key]: entry };
    } else {
      current = next;
    }
    if (JSON.stringify({ tags: { [key]: entry } }, null, 2).length > TAG_POLICY_MAX_CHARS) {
      warn(key, `this tag alone passes the ${TAG_POLICY_MAX_CHARS}-character tag policy limit; Organizations will refuse it`);
    }
  }
  if (Object.keys(current).length > 0) documents.push(current);
  return { documents: documents.map((tags) => ({ tags })), warnings };
}

export interface RequiredTagsRule {
  /** 1-based index among the rules generated, for names. */
  index: number;
  keys: string[];
  /** tag1Key, tag1Value, … as REQUIRED_TAGS takes them. */
  inputParameters: Record<string, string>;
  /** Config resource types; empty means every type REQUIRED_TAGS supports. */
  resourceTypes: string[];
}

/**
 * REQUIRED_TAGS rules for the required tags: grouped by the resource types they apply to (a rule
 * has one scope), then split so no rule has more than 6 keys or 1024 characters of parameters.
 */
export function requiredTagsRules(policy: TaggingPolicy, opts: AwsOptions): { rules: RequiredTagsRule[]; warnings: RemediationWarning[] } {
  const warnings: RemediationWarning[] = [];
  const warn = (tag: string, message: string) => warnings.push({ cloud: 'aws', tag, message });
  const groups = new Map<string, { resourceTypes: string[]; rules: CloudRule[] }>();
  for (const rule of cloudRules(policy, 'aws', opts.targetTags).filter((r) => r.required)) {
    const resourceTypes = [...new Set(rule.appliesTo.flatMap(configResourceTypes))].sort();
    const unknown = rule.appliesTo.filter((t) => configResourceTypes(t).length === 0);
    if (unknown.length) warn(rule.name, `REQUIRED_TAGS does not evaluate ${unknown.join(', ')}: the tag policy and scans still cover them`);
    if (rule.appliesTo.length && resourceTypes.length === 0) {
      warn(rule.name, 'no Config rule written: none of its resource types can be scoped');
      continue;
    }
    const scope = resourceTypes.join(',');
    const group = groups.get(scope) ?? { resourceTypes, rules: [] };
    group.rules.push(rule);
    groups.set(scope, group);
  }
  const rules: RequiredTagsRule[] = [];
  for (const group of groups.values()) {
    let chunk: [string, string | null][] = [];
    const flush = () => {
      if (chunk.length) rules.push({ index: rules.length + 1, keys: chunk.map(([k]) => k), inputParameters: parameters(chunk), resourceTypes: group.resourceTypes });
      chunk = [];
    };
    for (const rule of group.rules) {
      let value = configValue(rule, warn);
      if (JSON.stringify(parameters([[rule.key, value]])).length > CONFIG_INPUT_PARAMETERS_MAX) {
        warn(rule.name, `its allowed values pass the ${CONFIG_INPUT_PARAMETERS_MAX}-character parameter limit: the Config rule checks the key only`);
        value = null;
      }
      const next: [string, string | null][] = [...chunk, [rule.key, value]];
      if (chunk.length === REQUIRED_TAGS_MAX_KEYS || JSON.stringify(parameters(next)).length > CONFIG_INPUT_PARAMETERS_MAX) {
        flush();
        chunk.push([rule.key, value]);
      } else {
        chunk = next;
      }
    }
    flush();
  }
  return { rules, warnings };
}

/** tagNValue is a comma-separated list, so a value holding a comma cannot be listed. */
function configValue(rule: CloudRule, warn: (tag: string, message: string) => void): string | null {
  if (!rule.values) return null;
  if (rule.values.some((v) => v.includes(','))) {
    warn(rule.name, 'an allowed value holds a comma, which REQUIRED_TAGS reads as a separator: the Config rule checks the key only');
    return null;
  }
  return rule.values.join(',');
}

function parameters(chunk: readonly (readonly [string, string | null])[]): Record<string, string> {
  const params: Record<string, string> = {};
  chunk.forEach(([key, value], i) => {
    params[`tag${i + 1}Key`] = key;
    if (value !== null) params[`tag${i + 1}Value`] = value;
  });
  return params;
}
