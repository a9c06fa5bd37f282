// Calibration and features: a confidence that means a probability, and tokens that carry meaning.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../bench/suggest/org.js';
import { applyCalibration, expectedCalibrationError, fitCalibration, fitIsotonic, fitPlatt, tokensOf } from '../../../core/suggest/index.js';

/** Samples whose true probability of being right is sigmoid(score / 3). */
function samples(n: number, seed = 1) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const score = random() * 24 - 6;
    return { score, correct: random() < 1 / (1 + Math.exp(-score / 3)) };
  });
}

describe('calibration', () => {
  it('Platt recovers a logistic curve and isotonic follows it, both calibrated on fresh samples', () => {
    const train = samples(4000, 1);
    const test = samples(4000, 2);
    const platt = fitPlatt(train);
    expect(platt.a).toBeCloseTo(1 / 3, 1);
    for (const fit of [platt, fitIsotonic(train)]) {
      const ece = expectedCalibrationError(test.map((s) => ({ confidence: applyCalibration(fit, s.score), correct: s.correct })));
      expect(ece).toBeLessThan(0.05);
    }
  });

  it('never lets a lower score get a higher confidence', () => {
    const fit = fitCalibration(samples(1000, 3));
    expect(fit.kind).toBe('isotonic');
    let last = -1;
    for (let score = -10; score <= 20; score += 0.25) {
      const p = applyCalibration(fit, score);
      expect(p).toBeGreaterThanOrEqual(last);
      last = p;
    }
  });

  it('stays flat and modest when the score says nothing', () => {
    const random = mulberry32(4);
    const noise = Array.from({ length: 100 }, () => ({ score: random() * 10, correct: random() < 0.3 }));
    const fit = fitPlatt(noise);
    expect(Math.abs(applyCalibration(fit, 10) - applyCalibration(fit, 0))).toBeLessThan(0.15);
  });

  it('ECE of a perfectly calibrated set is small and of an over-confident one is large', () => {
    expect(expectedCalibrationError([{ confidence: 0.95, correct: true }, { confidence: 0.05, correct: false }])).toBeCloseTo(0.05);
    expect(expectedCalibrationError(Array.from({ length: 10 }, (_, i) => ({ confidence: 0.99, correct: i < 5 })))).toBeCloseTo(0.49);
  });
});

describe('tokensOf', () => {
  it('splits on separators and camelCase, lowercases, and drops ids, numbers and stop words', () => {
    expect(tokensOf('checkoutProdApi-01', 'instance/i-0abc123def4567890', 'search_stg.web/JSONParser')).toEqual(
      ['checkout', 'prod', 'api', 'search', 'stg', 'web', 'json', 'parser']);
  });
});
