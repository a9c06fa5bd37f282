// Hold-out evaluation for bench:suggest: remove a share of the tags, train on what is left, and
// score the model's and the keyword baseline's guesses for the removed tags.
import { compilePolicy, parsePolicy } from '../../core/policy/index.js';
import { expectedCalibrationError, keywordSuggestion, predictTag, trainModel, type SuggestSubject } from '../../core/suggest/index.js';
import { BENCH_POLICY, mulberry32, REQUIRED_TAGS, type BenchTag, type OrgResource } from './org.js';

export interface Guess {
  tag: BenchTag;
  truth: string;
  predictable: boolean;
  value: string | null;
  confidence: number;
}

export interface TagFigures {
  heldOut: number;
  predictable: number;
  accuracy: number;
  accuracyPredictable: number;
  coverage: number;
  precisionCovered: number;
  ece: number;
}

export interface Evaluation {
  model: Record<BenchTag, TagFigures>;
  baseline: Record<BenchTag, TagFigures>;
  trainMs: number;
  trainedOn: number;
}

export const COVERAGE_THRESHOLD = 0.7;

export function evaluateHoldOut(org: OrgResource[], holdOutShare = 0.2, seed = 7): Evaluation {
  const random = mulberry32(seed);
  const policy = compilePolicy(parsePolicy(BENCH_POLICY));
  const heldOut: { index: number; tag: BenchTag; truth: string }[] = [];
  const training: SuggestSubject[] = org.map(({ row }, index) => {
    const tags = { ...row.tags };
    for (const tag of REQUIRED_TAGS) {
      if (random() < holdOutShare) {
        heldOut.push({ index, tag, truth: tags[tag]! });
        delete tags[tag];
      }
    }
    return { ...row, tags };
  });
  const started = performance.now();
  const model = trainModel(policy, training);
  const trainMs = performance.now() - started;

  const known = new Map<BenchTag, string[]>(REQUIRED_TAGS.map((tag) => [tag,
    [...new Set(training.map((s) => s.tags[tag]).filter((v): v is string => v !== undefined))]]));
  const ours: Guess[] = [];
  const baseline: Guess[] = [];
  for (const h of heldOut) {
    const subject = training[h.index]!;
    const rule = policy.rulesFor(subject.cloud, subject.resourceType).find((r) => r.name === h.tag)!;
    const predictable = !org[h.index]!.unpredictable.has(h.tag);
    const p = predictTag(model, subject, rule);
    ours.push({ tag: h.tag, truth: h.truth, predictable, value: p.value, confidence: p.confidence ?? 0 });
    const b = keywordSuggestion(subject, h.tag, known.get(h.tag)!);
    baseline.push({ tag: h.tag, truth: h.truth, predictable, value: b?.value ?? null, confidence: b?.confidence ?? 0 });
  }
  return { model: figures(ours), baseline: figures(baseline), trainMs, trainedOn: model.resources };
}

function figures(guesses: Guess[]): Record<BenchTag, TagFigures> {
  const out = {} as Record<BenchTag, TagFigures>;
  for (const tag of REQUIRED_TAGS) {
    const all = guesses.filter((g) => g.tag === tag);
    const predictable = all.filter((g) => g.predictable);
    const covered = all.filter((g) => g.value !== null && g.confidence >= COVERAGE_THRESHOLD);
    const correct = (g: Guess) => g.value === g.truth;
    const share = (list: Guess[], f: (g: Guess) => boolean) => (list.length ? list.filter(f).length / list.length : 0);
    out[tag] = {
      heldOut: all.length,
      predictable: predictable.length,
      accuracy: share(all, correct),
      accuracyPredictable: share(predictable, correct),
      coverage: all.length ? covered.length / all.length : 0,
      precisionCovered: share(covered, correct),
      ece: expectedCalibrationError(all.map((g) => ({ confidence: g.confidence, correct: correct(g) }))),
    };
  }
  return out;
}
