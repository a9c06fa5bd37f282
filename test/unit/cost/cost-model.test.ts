// The cost model's rules on small hand-made inputs: periods, what is attributable, how service
// spend is spread (actual, service average, stopped, capped, unallocated), and the $0 reasons.
import { describe, expect, it } from 'vitest';
import {
  buildCostModel, checkPeriod, computeGap, explainZero, lastFullMonth, PeriodError, resourceCost, resourceLevelWindow,
  summariseTagSpend, unattributableCategory, type CostGroup, type KeyedResource, type ModelInput,
} from '../../../core/cost/index.js';

const A = '111111111111';
const EC2 = 'Amazon Elastic Compute Cloud - Compute';

function group(over: Partial<CostGroup>): CostGroup {
  return { cloud: 'aws', account: A, region: 'us-east-1', resourceType: 'ec2:instance', idle: false, compliant: true, untagged: false,
    count: 1, storedCost: null, storedCostCount: 0, ...over };
}
const input = (over: Partial<ModelInput>): ModelInput => ({
  period: { start: '2026-11-01', end: '2026-12-01' }, resourceTypes: ['ec2:instance'], services: [], resources: [], keyed: [], groups: [], ...over,
});

describe('cost periods', () => {
  it('defaults to the last full month in UTC, across a year boundary', () => {
    expect(lastFullMonth(new Date('2026-12-05T10:00:00Z'))).toEqual({ start: '2026-11-01', end: '2026-12-01' });
    expect(lastFullMonth(new Date('2027-01-01T00:30:00Z'))).toEqual({ start: '2026-12-01', end: '2027-01-01' });
    expect(resourceLevelWindow(new Date('2026-12-05T10:00:00Z'))).toEqual({ start: '2026-11-21', end: '2026-12-05' });
  });

  it('refuses impossible, empty, future and overlong periods', () => {
    const now = new Date('2026-12-05T10:00:00Z');
    expect(() => checkPeriod({ start: '2026-02-29', end: '2026-03-01' }, now)).toThrow(PeriodError);
    expect(() => checkPeriod({ start: '2026-03-01', end: '2026-03-01' }, now)).toThrow(/after Start/);
    expect(() => checkPeriod({ start: '2026-12-01', end: '2026-12-31' }, now)).toThrow(/future/);
    expect(() => checkPeriod({ start: '2024-01-01', end: '2026-01-01' }, now)).toThrow(/366 days/);
    expect(checkPeriod({ start: '2026-10-01', end: '2026-10-15' }, now)).toEqual({ start: '2026-10-01', end: '2026-10-15' });
  });
});

describe('unattributable services', () => {
  it('names the peer\'s list and catches the same shapes outside it', () => {
    expect(unattributableCategory('Tax')).toBe('tax');
    expect(unattributableCategory('AWS Support (Enterprise On-Ramp)')).toBe('support');
    expect(unattributableCategory('Llama 3 (Amazon Bedrock Edition)')).toBe('api_usage');
    expect(unattributableCategory('AWS Data Transfer')).toBe('data_transfer');
    expect(unattributableCategory(EC2)).toBeNull();
  });
});

describe('spreading service spend', () => {
  it('shares the rest of a service among running resources; stopped ones cost $0 and are not counted', () => {
    const groups = [group({ count: 3 }), group({ idle: true, compliant: false, count: 2 })];
    const model = buildCostModel(input({ services: [{ account: A, service: EC2, amount: 90 }], groups }));
    expect(model.averages.get(`${A}|${EC2}`)).toBe(30);
    const gap = computeGap(model, groups, [], 'resource_type', ['aws']);
    expect(gap).toMatchObject({ attributableSpend: 90, compliantSpend: 90, gap: 0, idleInstances: 2,
      figures: { actual: 0, service_average: 3, estimated: 2, unknown: 0 } });
    expect(resourceCost(model, { cloud: 'aws', account: A, resourceType: 'ec2:instance', resourceId: 'x/i-1', state: 'stopped', storedCost: null }))
      .toMatchObject({ cost: 0, basis: 'estimated' });
  });

  it('scales resource-level figures down to the service total, and leaves spend with no resource unallocated', () => {
    const keyed: KeyedResource[] = [{ key: 'i-1', resourceId: `arn:aws:ec2:us-east-1:${A}:instance/i-1`, cloud: 'aws', account: A,
      region: 'us-east-1', resourceType: 'ec2:instance', state: 'running', compliant: false, untagged: true, violations: [] }];
    const groups = [group({ compliant: false, untagged: true })];
    const model = buildCostModel(input({
      services: [{ account: A, service: EC2, amount: 50 }, { account: A, service: 'AWS Lambda', amount: 8 }],
      resourceTypes: ['ec2:instance', 'lambda:function'],
      resources: [{ service: EC2, resourceKey: 'i-1', amount: 70 }], keyed, groups,
    }));
    // 70 over 14 days is 150 over 30: more than the 50 the month cost, so it is scaled to 50.
    expect(model.actual.get('i-1')).toBeCloseTo(50, 9);
    expect(model.unallocated).toEqual([{ account: A, service: 'AWS Lambda', resourceType: 'lambda:function', amount: 8 }]);
    const gap = computeGap(model, groups, keyed, 'resource_type', ['aws']);
    expect(gap).toMatchObject({ attributableSpend: 58, compliantSpend: 0, nonCompliantSpend: 50, unallocatedSpend: 8 });
    expect(gap.rows.map((r) => r.key).sort()).toEqual(['ec2:instance', 'lambda:function']);
  });

  it('counts services no requested type maps to as out of scope, unless the scope is "all"', () => {
    const services = [{ account: A, service: 'Amazon DynamoDB', amount: 5 }, { account: A, service: 'Amazon CloudWatch', amount: 3 }];
    expect(buildCostModel(input({ services })).outOfScope).toBe(8);
    const all = buildCostModel(input({ services, resourceTypes: ['all'] }));
    expect(all.outOfScope).toBe(0);
    expect(all.unallocated.map((u) => [u.service, u.resourceType])).toEqual([['Amazon CloudWatch', null], ['Amazon DynamoDB', 'dynamodb:table']]);
  });
});

describe('tag spend and $0 explanations', () => {
  it('reads CE\'s empty tag value as untagged spend and flags a tag never seen', () => {
    expect(summariseTagSpend('Team', [{ value: '', amount: 10 }])).toMatchObject({ activated: false, taggedSpend: 0, untaggedSpend: 10 });
    expect(summariseTagSpend('Team', [])).toMatchObject({ activated: null });
    expect(summariseTagSpend('Team', [{ value: 'a', amount: 1 }, { value: '', amount: 2 }])).toMatchObject({ activated: true, taggedSpend: 1 });
  });

  it('says why: nothing in scope, free tier, or everything stopped', () => {
    const none = buildCostModel(input({}));
    expect(explainZero(none, computeGap(none, [], [], 'account', ['aws']), []).map((e) => e.reason)).toEqual(['no_resources']);
    const stopped = [group({ idle: true, count: 2 })];
    const free = buildCostModel(input({ groups: stopped }));
    expect(explainZero(free, computeGap(free, stopped, [], 'account', ['aws']), []).map((e) => e.reason)).toEqual(['free_tier', 'all_stopped']);
  });
});
