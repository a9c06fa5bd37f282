import { describe, expect, it } from 'vitest';
import {
  consistencyKeyFolds, crossCloudConsistency, crossCloudConsistencyFromCounts, foldTagKey, type TagValueCount,
} from '../../../core/compliance/index.js';
import type { Cloud, Resource } from '../../../core/resource.js';
import { aCompiledPolicy, aResource, aRule } from '../builders.js';

const TYPES: Record<Cloud, string> = { aws: 'ec2:instance', azure: 'azure:compute/virtualmachines', gcp: 'gcp:compute/instance' };
let n = 0;
const on = (cloud: Cloud, tags: Record<string, string>): Resource => aResource({ cloud, type: TYPES[cloud], id: `${cloud}-${n++}`, tags });
const times = (count: number, make: () => Resource): Resource[] => Array.from({ length: count }, make);

describe('crossCloudConsistency', () => {
  const unmapped = aCompiledPolicy({ required: [aRule('Environment', { allowed_values: ['production', 'staging'] })] });

  it('reports Environment=prod on AWS against environment=production on GCP, with counts per cloud', () => {
    const resources = [
      ...times(3, () => on('aws', { Environment: 'prod' })),
      ...times(2, () => on('aws', { Environment: 'production' })),
      ...times(4, () => on('gcp', { environment: 'production' })),
      on('gcp', { environment: 'staging' }),
    ];
    const issues = crossCloudConsistency(unmapped, resources);
    expect(issues).toEqual([
      expect.objectContaining({
        tag: 'Environment', kind: 'key_spelling', counts: { aws: 5, gcp: 5 },
        variants: [
          { spelling: 'Environment', declared: true, counts: { aws: 5 } },
          { spelling: 'environment', declared: false, counts: { gcp: 5 } },
        ],
      }),
      expect.objectContaining({
        tag: 'Environment', kind: 'value_spelling', canonical: 'production', counts: { aws: 5, gcp: 4 },
        variants: [
          { spelling: 'production', declared: true, counts: { aws: 2, gcp: 4 } },
          { spelling: 'prod', declared: false, counts: { aws: 3 } },
        ],
      }),
    ]);
    expect(issues[0]!.message).toContain('"environment" (gcp: 5)');
    expect(issues[1]!.message).toContain('"prod" (aws: 3)');
  });

  it('finds nothing when the policy maps each cloud\'s spelling of keys and values', () => {
    const mapped = aCompiledPolicy({
      required: [aRule('Environment', {
        allowed_values: ['Production', 'Staging'],
        cloud_spellings: { gcp: { keys: ['environment'], values: { Production: 'production', Staging: 'staging' } } },
      })],
    });
    const resources = [
      ...times(2, () => on('aws', { Environment: 'Production' })),
      on('azure', { ENVIRONMENT: 'Production' }),
      ...times(3, () => on('gcp', { environment: 'production' })),
    ];
    expect(crossCloudConsistency(mapped, resources)).toEqual([]);
    // A value the map does not cover is still one spelling too many.
    const issues = crossCloudConsistency(mapped, [...resources, on('azure', { Environment: 'production' })]);
    expect(issues).toMatchObject([{
      kind: 'value_spelling', canonical: 'Production',
      variants: [{ spelling: 'Production', counts: { aws: 2, azure: 1, gcp: 3 } }, { spelling: 'production', declared: false, counts: { azure: 1 } }],
    }]);
  });

  it('finds an undeclared key spelling that differs by separator, and ignores a tag seen on one cloud only', () => {
    const policy = aCompiledPolicy({ required: [aRule('CostCenter', { cloud_spellings: { gcp: { keys: ['cost-center'] } } })] });
    const issues = crossCloudConsistency(policy, [on('aws', { CostCenter: 'CC-1' }), on('gcp', { cost_center: 'cc-1' })]);
    expect(issues.map((i) => [i.kind, i.variants.map((v) => [v.spelling, v.declared])])).toEqual([
      ['key_spelling', [['CostCenter', true], ['cost_center', false]]],
      ['value_spelling', [['CC-1', true], ['cc-1', true]]],
    ]);
    expect(crossCloudConsistency(unmapped, [on('aws', { Environment: 'prod' }), on('aws', { Environment: 'production' })])).toEqual([]);
  });

  it('does not merge distinct values: a short prefix must be unique and 3+ characters', () => {
    const free = aCompiledPolicy({ required: [aRule('Team')] });
    const resources = [on('aws', { Team: 'data' }), on('gcp', { team: 'data-platform' }), on('gcp', { team: 'data-science' }), on('aws', { Team: 'ab' }), on('gcp', { team: 'abc' })];
    expect(crossCloudConsistency(free, resources).filter((i) => i.kind === 'value_spelling')).toEqual([]);
  });
});

describe('crossCloudConsistencyFromCounts', () => {
  const policy = aCompiledPolicy({ required: [aRule('Environment', { allowed_values: ['production', 'staging'] }), aRule('CostCenter')] });

  it('finds from (cloud, type, key, value) counts what the check finds over the resources', () => {
    const resources = [
      ...times(3, () => on('aws', { Environment: 'prod', CostCenter: 'CC-1' })),
      ...times(2, () => on('azure', { environment: 'Production', costcenter: 'cc-1' })),
      ...times(4, () => on('gcp', { environment: 'production', cost_center: 'cc-1', unrelated: 'x' })),
    ];
    // Aggregate as the store does: group by (cloud, type, key, value), keys filtered to the policy's folds.
    const folds = new Set(consistencyKeyFolds(policy));
    const groups = new Map<string, TagValueCount>();
    for (const r of resources) {
      for (const [key, value] of Object.entries(r.tags)) {
        if (!folds.has(foldTagKey(key))) continue;
        const id = JSON.stringify([r.cloud, r.type, key, value]);
        const entry = groups.get(id) ?? { cloud: r.cloud, resourceType: r.type, key, value, resources: 0 };
        entry.resources++;
        groups.set(id, entry);
      }
    }
    expect(folds.has('unrelated')).toBe(false);
    const fromCounts = crossCloudConsistencyFromCounts(policy, groups.values());
    expect(fromCounts.length).toBeGreaterThan(0);
    expect(fromCounts).toEqual(crossCloudConsistency(policy, resources));
  });
});
