// Calibration: turns a raw model score (the top value's log-odds) into a confidence that means a
// probability, fitted on held-out predictions. With few samples, Platt scaling (a logistic curve:
// two parameters, stable on a few dozen samples); with enough, isotonic regression, which follows
// any monotone shape (naive Bayes is over-sure in a way no single curve fits). Both never let
// weaker evidence score higher.

export interface Calibrated {
  score: number;
  correct: boolean;
}

/** p = 1 / (1 + exp(-(a·score + b))); a > 0. */
export interface PlattScaling {
  kind: 'platt';
  a: number;
  b: number;
  /** Held-out predictions it was fitted on. */
  samples: number;
}

/** With nothing to fit on: a flat, modest confidence, so nothing passes a usual threshold untested. */
export const UNFITTED: PlattScaling = Object.freeze({ kind: 'platt', a: 0.1, b: -1, samples: 0 });

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function applyPlatt(platt: PlattScaling, score: number): number {
  return sigmoid(platt.a * score + platt.b);
}

/**
 * Platt's fit (Newton steps on the log loss, with his smoothed targets (N+ + 1)/(N+ + 2) and
 * 1/(N- + 2) so a perfectly separated sample does not give an infinitely steep curve).
 */
export function fitPlatt(samples: readonly Calibrated[], opts: { intercept?: boolean } = {}): PlattScaling {
  const intercept = opts.intercept ?? true;
  if (samples.length === 0) return UNFITTED;
  const positives = samples.filter((s) => s.correct).length;
  const negatives = samples.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const loss = (a: number, b: number) => {
    let total = 0;
    for (const s of samples) {
      const z = a * s.score + b;
      const t = s.correct ? hi : lo;
      // −[t·log σ(z) + (1−t)·log(1−σ(z))], stable for large |z|
      total += Math.max(z, 0) - t * z + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return total;
  };
  let a = 0.1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 200; iter++) {
    let g1 = 0; let g2 = 0; let h11 = 1e-9; let h22 = 1e-9; let h12 = 0;
    for (const s of samples) {
      const p = sigmoid(a * s.score + b);
      const d = p - (s.correct ? hi : lo);
      const w = Math.max(p * (1 - p), 1e-12);
      g1 += d * s.score; g2 += d;
      h11 += w * s.score * s.score; h22 += w; h12 += w * s.score;
    }
    let da: number;
    let db = 0;
    if (intercept) {
      const det = h11 * h22 - h12 * h12;
      if (!(Math.abs(det) > 1e-12)) break;
      da = (h22 * g1 - h12 * g2) / det;
      db = (h11 * g2 - h12 * g1) / det;
    } else {
      da = g1 / h11;
    }
    // Newton with step halving: saturated scores make plain Newton overshoot.
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da; b -= step * db;
    const improved = current - next;
    current = next;
    if (improved < 1e-10) break;
  }
  // A curve that falls with the score would mean the score is noise: keep it flat instead.
  if (!(a > 1e-3) || !Number.isFinite(b)) {
    const rate = (positives + 1) / (samples.length + 2);
    return { kind: 'platt', a: 1e-3, b: Math.log(rate / (1 - rate)), samples: samples.length };
  }
  return { kind: 'platt', a, b, samples: samples.length };
}

/** A non-decreasing step curve through (mean score, accuracy) of pooled blocks, interpolated linearly between them. */
export interface IsotonicCurve {
  kind: 'isotonic';
  scores: number[];
  rates: number[];
  samples: number;
}

export type Calibration = PlattScaling | IsotonicCurve;

/** Isotonic regression needs this many held-out predictions; below it Platt's two parameters are safer. */
export const MIN_ISOTONIC_SAMPLES = 200;

/** Pool-adjacent-violators over the samples sorted by score; rates smoothed by half a count each way. */
export function fitIsotonic(samples: readonly Calibrated[]): IsotonicCurve {
  const sorted = [...samples].sort((x, y) => x.score - y.score);
  const blocks: { sum: number; correct: number; n: number }[] = [];
  for (const s of sorted) {
    blocks.push({ sum: s.score, correct: s.correct ? 1 : 0, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const prev = blocks[blocks.length - 2]!;
      if (prev.correct / prev.n < last.correct / last.n) break;
      blocks.pop();
      prev.sum += last.sum; prev.correct += last.correct; prev.n += last.n;
    }
  }
  // Smoothing can reorder a small block and a large one: keep the curve non-decreasing.
  let floor = 0;
  const rates = blocks.map((b) => (floor = Math.max(floor, (b.correct + 0.5) / (b.n + 1))));
  return { kind: 'isotonic', scores: blocks.map((b) => b.sum / b.n), rates, samples: samples.length };
}

/**
 * A prior the held-out sample may lack: at even odds (score 0) the model is right half the time.
 * Without it, a scan whose held-out predictions were all right (clear-cut teams) would give every
 * suggestion the same high confidence, even one whose neighbours split evenly.
 */
const EVEN_ODDS: readonly Calibrated[] = [{ score: 0, correct: true }, { score: 0, correct: false }];

export function fitCalibration(samples: readonly Calibrated[]): Calibration {
  const anchored = [...samples, ...EVEN_ODDS];
  // Few samples: temperature scaling (Platt without an intercept), which keeps even odds at 50%.
  const fit = samples.length >= MIN_ISOTONIC_SAMPLES ? fitIsotonic(anchored) : fitPlatt(anchored, { intercept: false });
  return { ...fit, samples: samples.length };
}

export function applyCalibration(calibration: Calibration, score: number): number {
  if (calibration.kind === 'platt') return applyPlatt(calibration, score);
  const { scores, rates } = calibration;
  if (score <= scores[0]!) return rates[0]!;
  const last = scores.length - 1;
  if (score >= scores[last]!) return rates[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (scores[mid]! <= score) lo = mid; else hi = mid;
  }
  const t = (score - scores[lo]!) / (scores[hi]! - scores[lo]!);
  return rates[lo]! + t * (rates[hi]! - rates[lo]!);
}

/** Expected calibration error over equal-width confidence bins: Σ |bin|/N · |accuracy − mean confidence|. */
export function expectedCalibrationError(predictions: readonly { confidence: number; correct: boolean }[], bins = 10): number {
  if (predictions.length === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  for (const p of predictions) {
    const bin = Math.min(bins - 1, Math.floor(p.confidence * bins));
    count[bin]! += 1;
    confidence[bin]! += p.confidence;
    if (p.correct) correct[bin]! += 1;
  }
  let ece = 0;
  for (let i = 0; i < bins; i++) {
    if (count[i]! > 0) ece += Math.abs(correct[i]! - confidence[i]!) / predictions.length;
  }
  return ece;
}
