import { describe, expect, it } from 'vitest';
import { evaluateResource } from '../../../core/compliance/index.js';
import { CATASTROPHIC_REGEX, parsePolicy, regexProblem } from '../../../core/policy/index.js';
import { aCompiledPolicy, aResource, aRule } from '../builders.js';

describe('catastrophic backtracking', () => {
  it('rejects a nested quantifier at validation time with the exact message', () => {
    expect(() => parsePolicy({ version: '1', required_tags: [aRule('Owner', { validation_regex: '(a+)+$' })] }))
      .toThrow('required_tags[0].validation_regex: regular expression may backtrack catastrophically (nested quantifier)');
  });

  it.each(['(a+)+$', '(a*)*b', '^(\\w+\\s?)*$', '([a-z]+\\.)+com', '(a?)+', '(?:x|y+){2,}', '^[a-z]+(?:-[a-z]+){0,7}$', '(?<=(a+)+)b'])('rejects %s', (source) => {
    expect(regexProblem(source)).toBe(CATASTROPHIC_REGEX);
  });

  it.each([
    '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$',
    '^CC-[0-9]{4}$',
    '(?<=x)y+',
    '(?<team>[a-z]+)-\\k<team>',
    '^[a-z]+(?:-[a-z]+)?$',
    '^(?:ab){2,}$',
    '^(?:[a-z]{3}-){1,4}x*$',
  ])('accepts %s', (source) => {
    expect(regexProblem(source)).toBeNull();
  });

  it('reports syntax errors before safety', () => {
    expect(regexProblem('(a+')).toBe('invalid regular expression (Unterminated group)');
  });

  it('runs a heavy but accepted pattern against a 256-character hostile value', () => {
    // Polynomial (not exponential) backtracking: star height 1, so validation accepts it.
    const source = '^[a-z0-9.-]+[a-z0-9.-]+[a-z0-9.-]+@x$';
    expect(regexProblem(source)).toBeNull();
    const policy = aCompiledPolicy({ required: [aRule('Owner', { validation_regex: source })] });
    const hostile = 'a'.repeat(255) + '!';
    expect(hostile).toHaveLength(256);

    const findings = evaluateResource(policy, aResource({ tags: { Owner: hostile } }));

    expect(findings).toMatchObject([{ kind: 'invalid_format', tag: 'Owner', value: hostile }]);
  });

  it('does not run the regex on a value over max_value_length, and fails it', () => {
    const policy = aCompiledPolicy({ required: [aRule('Code', { validation_regex: '^a+$' })], maxValueLength: 8 });

    const [finding] = evaluateResource(policy, aResource({ tags: { Code: 'a'.repeat(9) } }));

    expect(finding).toMatchObject({ kind: 'invalid_format', severity: 'error' });
    expect(finding!.message).toContain('over max_value_length (8)');
    expect(evaluateResource(policy, aResource({ tags: { Code: 'a'.repeat(8) } }))).toEqual([]);
  });
});

describe('matching semantics', () => {
  it('anchors at the start like the peer (Python re.match) but not at the end', () => {
    const policy = aCompiledPolicy({ required: [aRule('Code', { validation_regex: 'CC-[0-9]{4}' })] });
    const kinds = (value: string) => evaluateResource(policy, aResource({ tags: { Code: value } })).map((f) => f.kind);

    expect(kinds('CC-1234')).toEqual([]);
    expect(kinds('CC-12345')).toEqual([]);
    expect(kinds('XCC-1234')).toEqual(['invalid_format']);
  });

  it('keeps alternation inside the start anchor', () => {
    const policy = aCompiledPolicy({ required: [aRule('Tier', { validation_regex: 'gold|silver' })] });
    const kinds = (value: string) => evaluateResource(policy, aResource({ tags: { Tier: value } })).map((f) => f.kind);

    expect(kinds('silver')).toEqual([]);
    expect(kinds('quicksilver')).toEqual(['invalid_format']);
  });
});
