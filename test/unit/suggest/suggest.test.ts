// Tag suggestions on a small inventory with known answers: values, evidence, the policy's
// constraints, confidence under mixed evidence, and no guess without neighbours.
import { describe, expect, it } from 'vitest';
import { compilePolicy, parsePolicy } from '../../../core/policy/index.js';
import { suggestTags, trainModel, type SuggestSubject } from '../../../core/suggest/index.js';
import { PAYMENTS, row, SANDBOX, SEARCH, SHARED, SUGGEST_POLICY, suggestInventory } from '../../support/suggest-inventory.js';

const policy = compilePolicy(parsePolicy(SUGGEST_POLICY));
const inventory = suggestInventory();
const model = trainModel(policy, inventory);

const byTag = (subject: SuggestSubject) => Object.fromEntries(suggestTags(model, subject).map((s) => [s.tag, s]));
/** Inventory rows matching a predicate, counted independently of the model. */
const count = (f: (r: SuggestSubject) => boolean) => inventory.filter(f).length;

describe('suggestTags', () => {
  it('suggests each missing required tag from the resources like it, with evidence counts', () => {
    const s = byTag(row({ account: PAYMENTS.account, vpc: PAYMENTS.vpc, name: 'checkout-prod-api-99', tags: {} }));
    expect(Object.keys(s).sort()).toEqual(['CostCenter', 'Environment', 'Owner']);
    for (const tag of ['Environment', 'CostCenter', 'Owner']) {
      expect(s[tag]).toMatchObject({ status: 'suggested', reason: 'missing', value: PAYMENTS.tags[tag] });
      expect(s[tag]!.confidence).toBeGreaterThanOrEqual(0.7);
    }
    const inVpc = count((r) => r.context?.vpc === PAYMENTS.vpc);
    const withValue = count((r) => r.context?.vpc === PAYMENTS.vpc && r.tags.CostCenter === 'CC-1010');
    expect(s.CostCenter!.evidence).toContain(`${withValue} of ${inVpc} tagged resources in ${PAYMENTS.vpc} have CostCenter=CC-1010`);
  });

  it('leaves tags that are present and valid alone, and replaces a rejected value', () => {
    const s = suggestTags(model, row({ account: SEARCH.account, vpc: SEARCH.vpc, name: 'search-stg-web-99',
      tags: { ...SEARCH.tags, Environment: 'stg' } }));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ tag: 'Environment', reason: 'invalid', currentValue: 'stg', status: 'suggested', value: 'staging' });
  });

  it('never suggests a value the policy rejects for the resource', () => {
    // Everything about it says development, which the policy allows on instances but not on databases.
    const asInstance = byTag(row({ account: SANDBOX.account, vpc: SANDBOX.vpc, name: 'sandboxDevBox99', tags: {} }));
    expect(asInstance.Environment).toMatchObject({ status: 'suggested', value: 'development' });
    const asDatabase = byTag(row({ type: 'rds:db', account: SANDBOX.account, vpc: SANDBOX.vpc, name: 'sandboxDevBox99', tags: {} }));
    expect(asDatabase.Environment!.value).not.toBe('development');
    if (asDatabase.Environment!.value !== null) expect(['production', 'staging']).toContain(asDatabase.Environment!.value);
    // The values it would learn from are still there: only the constraint removed development.
    expect(model.tags.get('Environment')!.counts.values.get('development')).toBe(count((r) => r.tags.Environment === 'development'));
  });

  it('is less confident when the resources like it disagree', () => {
    const clear = byTag(row({ account: PAYMENTS.account, vpc: PAYMENTS.vpc, name: 'checkout-prod-api-98', tags: {} }));
    const mixed = byTag(row({ account: SHARED.account, vpc: SHARED.vpc, name: 'shared-svc-99', tags: {} }));
    for (const tag of ['Environment', 'CostCenter', 'Owner']) {
      expect(mixed[tag]!.confidence).not.toBeNull();
      expect(mixed[tag]!.confidence!).toBeLessThan(clear[tag]!.confidence!);
      expect(mixed[tag]!.status).toBe('no_confident_suggestion');
    }
    // Mixed evidence says so: the runner-up's support is listed too.
    expect(mixed.Environment!.evidence.some((e) => e.startsWith('but '))).toBe(true);
  });

  it('gives no guess for a resource that shares nothing with any tagged resource', () => {
    const s = suggestTags(model, row({ account: '999999999999', vpc: 'vpc-zzz', name: 'qwerty-zzz', tags: {} }));
    expect(s).toHaveLength(3);
    for (const suggestion of s) {
      expect(suggestion).toMatchObject({ status: 'no_confident_suggestion', value: null, confidence: null, evidence: [] });
      expect(suggestion.note).toMatch(/no tagged resource shares/);
    }
  });

  it('learns only acceptable values, and says when the calibration was pooled', () => {
    // A small slice, so no tag has 50 held-out predictions of its own.
    const noisy = trainModel(policy, [...inventory.slice(0, 30), row({ account: PAYMENTS.account, vpc: PAYMENTS.vpc, name: 'checkout-prod-api-50',
      tags: { ...PAYMENTS.tags, Environment: 'prod', CostCenter: 'cost-1' } })]);
    expect([...noisy.tags.get('Environment')!.counts.values.keys()].sort()).toEqual(['production', 'staging']);
    expect(noisy.tags.get('CostCenter')!.counts.values.has('cost-1')).toBe(false);
    const env = noisy.tags.get('Environment')!;
    expect(env.pooled).toBe(true); // fewer than 50 held-out predictions of its own
    expect(env.calibration.kind).toBe('platt');
  });
});
