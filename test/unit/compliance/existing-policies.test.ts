// Regression guard for the multi-cloud extension: every shipped policy (and the peer's) still
// evaluates a fixed set of resources exactly as it did before cross-cloud mapping existed.
// The snapshot was recorded with the pre-extension evaluator; a changed finding fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/compliance/index.js';
import { compilePolicy, parsePolicyJson } from '../../../core/policy/index.js';
import { aResource, referenceText, repoRoot } from '../builders.js';

const POLICIES: Record<string, string> = {
  'policies/default.json': readFileSync(path.join(repoRoot, 'policies/default.json'), 'utf8'),
  'policies/examples/strict-case-sensitive.json': readFileSync(path.join(repoRoot, 'policies/examples/strict-case-sensitive.json'), 'utf8'),
  'peer_tagging_policy.json': referenceText('peer_tagging_policy.json'),
};

// Tag sets that exercise every finding kind the pre-extension evaluator had.
const TAG_SETS: Record<string, Record<string, string>> = {
  compliant: { Owner: 'jane.doe@example.com', Environment: 'production', CostCenter: 'CC-1234', Application: 'billing', Project: 'p1', DataClassification: 'internal' },
  untagged: {},
  wrongCase: { owner: 'jane.doe@example.com', ENVIRONMENT: 'Production', costcenter: 'cc-1' },
  badValues: { Owner: 'jane', Environment: 'prod', CostCenter: '  ', Application: '' },
};
const TYPES = ['ec2:instance', 's3:bucket', 'rds:db', 'lambda:function', 'dynamodb:table', 'ecs:service'];

describe.each(Object.keys(POLICIES))('%s', (name) => {
  const parsed = parsePolicyJson(POLICIES[name]!, name);
  const compiled = compilePolicy(parsed);

  it('loads unchanged: no cloud spellings appear, and AWS views keep the policy key only', () => {
    for (const rule of [...parsed.required_tags, ...parsed.optional_tags]) expect(rule).not.toHaveProperty('cloud_spellings');
    for (const rule of compiled.rulesFor('aws', 'ec2:instance')) expect(rule.keys).toEqual([rule.name]);
  });

  it('evaluates as before the multi-cloud extension', () => {
    const results: Record<string, unknown> = {};
    for (const type of TYPES) {
      for (const [label, tags] of Object.entries(TAG_SETS)) {
        results[`${type} ${label}`] = evaluate(compiled, aResource({ type, tags }));
      }
    }
    expect(results).toMatchSnapshot();
  });
});
