// The plan hash, the estimator and the threshold check of core/scan-plan.ts.
import { describe, expect, it } from 'vitest';
import {
  COST_EXPLORER_USD_PER_REQUEST, DEFAULT_CALLS_PER_UNIT, approvalReasons, estimateScan, judgePlan, planHash, targetRegionTypes,
  type CloudPlan, type ScanStatistics,
} from '../../core/scan-plan.js';
import { normaliseScope } from '../../core/scope.js';

const scope = normaliseScope({ resource_types: ['ec2:instance', 's3:bucket'], regions: ['us-east-1', 'eu-west-1'] });
const aws = (targets: string[], over: Partial<CloudPlan> = {}): CloudPlan =>
  ({ cloud: 'aws', targets, regions: ['eu-west-1', 'us-east-1'], regionSource: 'scope', resourceTypes: 2, ...over });
const stats = (over: Partial<ScanStatistics> = {}): ScanStatistics =>
  ({ units: 10, resources: 100, calls: { 'tagging:GetResources': 50 }, durationSeconds: 20, parallel: 1, ...over });
const thresholds = { maxTargetRegionTypes: 10, maxEstimatedCalls: 1000, maxEstimatedSpendUsd: 1 };

describe('plan hash', () => {
  it('is the same for the same plan whatever the order of targets and regions', () => {
    const a = planHash(scope, [aws(['111111111111', '222222222222'])]);
    const b = planHash(scope, [aws(['222222222222', '111111111111'], { regions: ['us-east-1', 'eu-west-1'] })]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it('changes when a target, a region or the types change', () => {
    const base = planHash(scope, [aws(['111111111111'])]);
    expect(planHash(scope, [aws(['111111111111', '333333333333'])])).not.toBe(base);
    expect(planHash(scope, [aws(['111111111111'], { regions: ['us-east-1'] })])).not.toBe(base);
    expect(planHash(normaliseScope({ resource_types: ['ec2:instance'], regions: ['us-east-1', 'eu-west-1'] }), [aws(['111111111111'])])).not.toBe(base);
  });
});

describe('estimates', () => {
  it('counts targets × regions × types over every cloud', () => {
    expect(targetRegionTypes([aws(['1', '2', '3']), { cloud: 'gcp', targets: ['projects/p'], regions: [], regionSource: 'unknown', resourceTypes: 4 }]))
      .toBe(3 * 2 * 2 + 1 * 1 * 4);
  });

  it('uses defaults without history', () => {
    const e = estimateScan(40, 5, []);
    expect(e).toMatchObject({ targetRegionTypes: 40, calls: 40 * DEFAULT_CALLS_PER_UNIT, callsPerResource: null, resources: null, basis: 'defaults' });
  });

  it('scales recent scans\' calls and seconds per unit, median first', () => {
    // calls/unit 5, 5, 50 -> median 5; seconds/unit 2, 2, 100 -> 2; calls/resource 0.5
    const recent = [stats(), stats(), stats({ calls: { 'tagging:GetResources': 500 }, durationSeconds: 1000 })];
    const e = estimateScan(200, 4, recent);
    expect(e.calls).toBe(1000);
    expect(e.callsPerResource).toBe(0.5);
    expect(e.resources).toBe(2000);
    expect(e.durationSeconds).toBe(100); // 200 units × 2 s over 4 lanes
    expect(e.basis).toBe('recent_scans (3)');
  });

  it('prices Cost Explorer requests at $0.01', () => {
    expect(estimateScan(1, 1, [], 250).spendUsd).toBeCloseTo(250 * COST_EXPLORER_USD_PER_REQUEST);
  });
});

describe('thresholds', () => {
  it('names each threshold the plan is over', () => {
    const reasons = approvalReasons({ ...estimateScan(11, 1, [], 101) }, thresholds);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/targets × regions × types 11 > 10/);
    expect(reasons[1]).toMatch(/spend \$1\.01 > \$1\.00/);
  });

  it('judges a small plan as needing no approval, a big one as needing it', () => {
    const small = judgePlan({ scope, clouds: [aws(['111111111111'])], parallel: 1, recent: [], thresholds });
    expect(small.requiresApproval).toBe(false);
    expect(small.plan.clouds[0]).toMatchObject({ cloud: 'aws', target_count: 1, targets_shown: ['111111111111'] });
    const big = judgePlan({ scope, clouds: [aws(['1', '2', '3'])], parallel: 1, recent: [], thresholds });
    expect(big.requiresApproval).toBe(true);
    expect(big.planHash).not.toBe(small.planHash);
  });
});
