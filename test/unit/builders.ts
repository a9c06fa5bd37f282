// Small builders for policy and resource fixtures, so each test states only what it is about.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compilePolicy, parsePolicy, type CompiledPolicy, type TaggingPolicy, type TaggingPolicyInput } from '../../core/policy/index.js';
import type { Resource } from '../../core/resource.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

type RuleInput = NonNullable<TaggingPolicyInput['required_tags']>[number];
type OptionalRuleInput = NonNullable<TaggingPolicyInput['optional_tags']>[number];

export function aResource(overrides: Partial<Resource> = {}): Resource {
  return {
    cloud: 'aws',
    account: '123456789012',
    region: 'eu-west-1',
    type: 'ec2:instance',
    id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc',
    tags: {},
    ...overrides,
  };
}

export function aRule(name: string, overrides: Partial<RuleInput> = {}): RuleInput {
  return { name, description: `${name} tag`, applies_to: [], ...overrides };
}

export function anOptionalRule(name: string, overrides: Partial<OptionalRuleInput> = {}): OptionalRuleInput {
  return { name, description: `${name} tag`, ...overrides };
}

export interface PolicyOptions {
  required?: RuleInput[];
  optional?: OptionalRuleInput[];
  caseSensitive?: boolean;
  maxValueLength?: number;
}

export function aPolicy(options: PolicyOptions = {}): TaggingPolicy {
  return parsePolicy({
    version: '1.0',
    required_tags: options.required ?? [],
    optional_tags: options.optional ?? [],
    tag_naming_rules: {
      case_sensitivity: options.caseSensitive ?? false,
      ...(options.maxValueLength ? { max_value_length: options.maxValueLength } : {}),
    },
  });
}

export function aCompiledPolicy(options: PolicyOptions = {}): CompiledPolicy {
  return compilePolicy(aPolicy(options));
}

/** A file from shared/reference beside the clone when present, else our copy in test/fixtures. */
export function referenceText(name: string): string {
  const shared = path.resolve(repoRoot, '../shared/reference', name);
  return readFileSync(existsSync(shared) ? shared : path.join(repoRoot, 'test/fixtures', name), 'utf8');
}
