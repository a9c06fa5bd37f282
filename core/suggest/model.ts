// Training: two streaming passes over the tagged resources of a scan. The first counts (see
// counts.ts); the second scores each resource (or a deterministic sample of them) by the model
// with that resource left out, and the calibration is fitted on those held-out predictions. Memory
// holds the counts and the sample, never the rows, so pages can be fed from the store.
import type { CompiledPolicy, CompiledRule } from '../policy/index.js';
import { fitCalibration, UNFITTED, type Calibrated, type Calibration } from './calibrate.js';
import { addExample, best, emptyCounts, rank, type TagCounts } from './counts.js';
import { featuresFor, subjectFeatures, type SubjectFeatures, type SuggestSubject } from './features.js';
import { acceptable, canonicalOf, ownKeysOf, valueFor } from './policy-values.js';

/**
 * Held-out predictions per tag for calibration. Scoring is the costly part of training, so this
 * bounds it whatever the scan's size; an isotonic curve on 5,000 predictions is already steady.
 */
export const MAX_CALIBRATION_SAMPLES = 5_000;
/** Below this many held-out predictions a tag uses the curve fitted on every tag together. */
export const MIN_SAMPLES_PER_TAG = 50;

export interface TagModel {
  tag: string;
  counts: TagCounts;
  calibration: Calibration;
  /** Held-out predictions the calibration was fitted on (shared with other tags when pooled). */
  calibrationSamples: number;
  pooled: boolean;
}

export interface SuggestionModel {
  policy: CompiledPolicy;
  /** By the policy's tag name. */
  tags: Map<string, TagModel>;
  /** Resources the model learned from (with at least one acceptable policy tag). */
  resources: number;
}

interface Example {
  rule: CompiledRule;
  label: string;
  features: string[];
}

/** The policy tags a resource carries acceptably, each with the features that may predict it. */
function examplesOf(policy: CompiledPolicy, subject: SuggestSubject, features: SubjectFeatures): Example[] {
  const out: Example[] = [];
  const seen = new Set<string>();
  for (const rule of policy.rulesFor(subject.cloud, subject.resourceType)) {
    if (seen.has(rule.name)) continue;
    seen.add(rule.name);
    const value = valueFor(rule, subject.tags);
    if (value === undefined || !acceptable(policy, rule, value)) continue;
    out.push({ rule, label: canonicalOf(rule, value), features: featuresFor(features, ownKeysOf(rule)) });
  }
  return out;
}

/** 32-bit FNV-1a: a stable sample of resources, the same on every replica and every run. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class SuggestionTrainer {
  private readonly counts = new Map<string, TagCounts>();
  private readonly samples = new Map<string, Calibrated[]>();
  private strides: Map<string, number> | undefined;
  private resources = 0;

  constructor(private readonly policy: CompiledPolicy) {}

  /** First pass: count a resource's acceptable tags. */
  learn(subject: SuggestSubject): void {
    if (this.strides) throw new Error('learn() after holdOut(): feed every resource to learn() first');
    const examples = examplesOf(this.policy, subject, subjectFeatures(subject));
    if (examples.length) this.resources += 1;
    for (const e of examples) {
      let counts = this.counts.get(e.rule.name);
      if (!counts) this.counts.set(e.rule.name, (counts = emptyCounts()));
      addExample(counts, e.label, e.features);
    }
  }

  /** Second pass, over the same resources: each scored as if it had not been learned. */
  holdOut(subject: SuggestSubject): void {
    this.strides ??= new Map([...this.counts].map(([tag, c]) => [tag, Math.ceil(c.n / MAX_CALIBRATION_SAMPLES)]));
    const h = hash(subject.resourceId);
    // Outside every tag's sample: skip before building any feature.
    if ([...this.strides.values()].every((stride) => h % stride !== 0)) return;
    for (const e of examplesOf(this.policy, subject, subjectFeatures(subject))) {
      const counts = this.counts.get(e.rule.name);
      if (!counts || h % this.strides.get(e.rule.name)! !== 0) continue;
      const ranking = rank(counts, e.features, { value: e.label, features: new Set(e.features) });
      const top = best(ranking.values);
      // A resource without neighbours never gets a confident suggestion, so it does not shape the curve.
      if (!top || !ranking.hasNeighbours) continue;
      let list = this.samples.get(e.rule.name);
      if (!list) this.samples.set(e.rule.name, (list = []));
      list.push({ score: top.logOdds, correct: top.top.value === e.label });
    }
  }

  finish(): SuggestionModel {
    const pooled = fitCalibration([...this.samples.values()].flat());
    const tags = new Map<string, TagModel>();
    for (const [tag, counts] of this.counts) {
      const samples = this.samples.get(tag) ?? [];
      const own = samples.length >= MIN_SAMPLES_PER_TAG;
      tags.set(tag, {
        tag, counts,
        calibration: own ? fitCalibration(samples) : pooled.samples > 0 ? pooled : UNFITTED,
        calibrationSamples: own ? samples.length : pooled.samples,
        pooled: !own,
      });
    }
    return { policy: this.policy, tags, resources: this.resources };
  }
}

/** Trains on resources held in memory (tests, the benchmark); the gateway feeds pages instead. */
export function trainModel(policy: CompiledPolicy, subjects: Iterable<SuggestSubject>): SuggestionModel {
  const trainer = new SuggestionTrainer(policy);
  for (const s of subjects) trainer.learn(s);
  for (const s of subjects) trainer.holdOut(s);
  return trainer.finish();
}

