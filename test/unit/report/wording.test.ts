// Report wording counts resources, per tag and per kind of problem: resources missing a tag and
// resources carrying it with a value outside its allowed list are different groups, said apart.
// Resources are built and evaluated by the engine; the stats are grouped the way the store's SQL
// groups them (tag, kind, severity), so each count is what a scan would report.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../core/compliance/index.js';
import { buildReport, recommend, renderMarkdown, resourceAge, type ReportInput, type ViolationStat } from '../../../core/report/index.js';
import type { Resource } from '../../../core/resource.js';
import { aCompiledPolicy, aResource, aRule } from '../builders.js';

const policy = aCompiledPolicy({
  required: [
    aRule('Environment', { allowed_values: ['production', 'staging'] }),
    aRule('Owner'),
  ],
});

function inputOf(resources: Resource[]): ReportInput {
  const stats = new Map<string, ViolationStat>();
  let compliant = 0;
  let findings = 0;
  for (const r of resources) {
    const result = evaluate(policy, r);
    if (result.compliant) compliant++;
    findings += result.findings.length;
    for (const f of result.findings) {
      const key = `${f.tag}/${f.kind}/${f.severity}`;
      const stat = stats.get(key) ?? {
        tag: f.tag, kind: f.kind, severity: f.severity, resources: 0, nonCompliantResources: 0, cost: null,
        foundKeys: [], values: [], allowed: f.allowed ? [...f.allowed] : null, suggestions: [],
      };
      stat.resources++;
      if (!result.compliant) stat.nonCompliantResources++;
      if (f.value !== undefined && !stat.values.includes(f.value)) stat.values.push(f.value);
      stats.set(key, stat);
    }
  }
  return {
    scanId: 'scan-wording', finishedAt: null, policyVersionId: 1,
    scope: { resource_types: ['ec2:instance'], accounts: null, regions: null },
    dataQuality: { status: 'complete', missing_total: 0, missing: [] },
    counts: {
      total: resources.length, compliant, neverTagged: resources.filter((r) => Object.keys(r.tags).length === 0).length,
      missingRequired: resources.filter((r) => evaluate(policy, r).findings.some((f) => f.kind === 'missing_required_tag')).length,
      findings, resourcesWithCost: 0, totalCost: null, nonCompliantCost: null,
    },
    byResourceType: [], byAccount: [], byRegion: [],
    violations: [...stats.values()],
  };
}

const instance = (i: number, tags: Record<string, string>) =>
  aResource({ id: `arn:aws:ec2:eu-west-1:123456789012:instance/i-${String(i).padStart(17, '0')}`, tags });

describe('report wording', () => {
  // 3 resources lack Environment, 2 carry it with a value outside the allowed list, 5 are fine.
  const resources = [
    ...[0, 1, 2].map((i) => instance(i, { Owner: 'a@example.com' })),
    instance(3, { Owner: 'a@example.com', Environment: 'prod' }),
    instance(4, { Owner: 'a@example.com', Environment: 'Production' }),
    ...[5, 6, 7, 8, 9].map((i) => instance(i, { Owner: 'a@example.com', Environment: 'staging' })),
  ];

  it('counts resources missing a tag apart from resources with an invalid value, and words each', () => {
    const recs = recommend(inputOf(resources));
    const missing = recs.filter((r) => r.category === 'missing_tag');
    expect(missing.map((r) => r.message)).toEqual([
      'Most missed tag: "Environment" is missing on 3 resources (30% of the scope); add it first. Allowed values: production, staging.',
    ]);
    const invalid = recs.filter((r) => r.category === 'allowed_values');
    expect(invalid.map((r) => r.message)).toEqual([
      'Tag "Environment" has an invalid value on 2 resources (not in its allowed list; seen: "prod", "Production"). ' +
        'Allowed values: production, staging.',
    ]);
  });

  it('says the same in the Markdown report', () => {
    const markdown = renderMarkdown(buildReport(inputOf(resources), { generatedAt: new Date('2026-03-02T00:00:00Z'), includeRecommendations: true }));
    expect(markdown).toContain('"Environment" is missing on 3 resources');
    expect(markdown).toContain('"Environment" has an invalid value on 2 resources');
    expect(markdown).not.toMatch(/missing on 5 resources/);
  });

  it('adds one tag\'s counts across severities into one recommendation', () => {
    const input = inputOf(resources);
    const [stat] = input.violations.filter((v) => v.kind === 'missing_required_tag');
    // The store groups by severity too: a rule that is an error for some types and a warning for others splits.
    input.violations.push({ ...stat!, severity: 'warning', resources: 4, nonCompliantResources: 0 });
    const missing = recommend(input).filter((r) => r.category === 'missing_tag');
    expect(missing).toHaveLength(1);
    expect(missing[0]!.message).toContain('"Environment" is missing on 7 resources');
  });
});

describe('resourceAge', () => {
  const now = new Date('2026-03-10T00:00:00Z');

  it('gives whole days when the creation date is known, with no note', () => {
    expect(resourceAge('dynamodb:table', '2026-03-07T12:00:00Z', now)).toEqual({ age_days: 2 });
  });

  it('says why the age is unknown instead of a bare null', () => {
    expect(resourceAge('lambda:function', null, now)).toEqual({ age_days: null, age_note: 'Lambda does not report a creation date' });
    expect(resourceAge('sqs:queue', null, now).age_note).toMatch(/Tagging API, which reports none/);
    expect(resourceAge('ec2:instance', null, now)).toEqual({ age_days: null, age_note: 'no creation date was reported for this resource' });
  });
});
