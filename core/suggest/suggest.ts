// Suggestions for one resource: for each required tag it lacks or carries with a value the policy
// rejects, the most probable acceptable value, its calibrated confidence and the evidence for it,
// or "no confident suggestion" when the confidence is under the threshold or nothing is like it.
import { evaluateResource } from '../compliance/index.js';
import type { CompiledRule } from '../policy/index.js';
import { applyCalibration } from './calibrate.js';
import { best, rank, supportFor, type RankedValue } from './counts.js';
import { describeFeature, featureGroup, featuresFor, NEIGHBOUR_GROUPS, subjectFeatures, type SuggestSubject } from './features.js';
import type { SuggestionModel } from './model.js';
import { ownKeysOf, spelledFor, valueFor } from './policy-values.js';

export const DEFAULT_MIN_CONFIDENCE = 0.7;
const EVIDENCE_LINES = 3;

export interface Prediction {
  /** The most probable value the policy accepts here; null when there is none or nothing to go on. */
  value: string | null;
  /** Calibrated probability that `value` is right; null with no value. */
  confidence: number | null;
  evidence: string[];
  /** Why there is no value, when there is none. */
  note?: string;
}

export type SuggestionReason = 'missing' | 'invalid';

export interface TagSuggestion extends Prediction {
  tag: string;
  reason: SuggestionReason;
  currentValue?: string;
  /** `suggested` when confidence reaches the threshold; the value is then the suggestion. */
  status: 'suggested' | 'no_confident_suggestion';
}

const NEEDS_VALUE = new Set(['missing_required_tag', 'invalid_value', 'invalid_format', 'empty_value']);

/** The value the model would give one tag of a resource, with everything it knows about the tag left out. */
export function predictTag(model: SuggestionModel, subject: SuggestSubject, rule: CompiledRule, currentValue?: string): Prediction {
  const tagModel = model.tags.get(rule.name);
  if (!tagModel) return { value: null, confidence: null, evidence: [], note: `no resource in the scan carries an acceptable ${rule.name}` };
  // A rejected value still hints at the right one (`prd` for production), read like a name token.
  const features = featuresFor(subjectFeatures(subject, currentValue ? [currentValue] : []), ownKeysOf(rule));
  const ranking = rank(tagModel.counts, features);
  if (!ranking.hasNeighbours) {
    return { value: null, confidence: null, evidence: [], note: 'no tagged resource shares its account, network, name tokens or tags' };
  }
  // Only values the policy accepts for this resource, in its cloud's spelling; the rest of the
  // probability is shared out among them.
  const candidates = ranking.values
    .map((v) => ({ ...v, canonical: v.value, value: spelledFor(model.policy, rule, v.value) }))
    .filter((v): v is RankedValue & { canonical: string; value: string } => v.value !== undefined);
  const mass = candidates.reduce((sum, c) => sum + c.probability, 0);
  const first = best(candidates);
  if (!first || mass <= 0) return { value: null, confidence: null, evidence: [], note: `no value learned for ${rule.name} is allowed by the policy here` };
  const top = first.top as (typeof candidates)[number];
  const runnerUp = best(candidates.filter((c) => c !== top))?.top as (typeof candidates)[number] | undefined;
  const confidence = applyCalibration(tagModel.calibration, first.logOdds);
  const support = supportFor(tagModel.counts, features, top.canonical).filter((s) => s.weight > 0 && s.withValue > 0);
  // Specific signals first: a shared region or type is shown only when nothing else speaks.
  const specific = support.filter((s) => NEIGHBOUR_GROUPS.has(featureGroup(s.feature)));
  const evidence = (specific.length ? specific : support).slice(0, EVIDENCE_LINES)
    .map((s) => `${s.withValue} of ${s.total} tagged resources ${describeFeature(s.feature)} have ${rule.name}=${top.value}`);
  if (runnerUp && runnerUp.probability / mass >= 0.1) {
    const against = supportFor(tagModel.counts, features, runnerUp.canonical).find((s) => s.weight > 0 && s.withValue > 0);
    if (against) {
      evidence.push(`but ${against.withValue} of ${against.total} tagged resources ${describeFeature(against.feature)} have ` +
        `${rule.name}=${runnerUp.value}`);
    }
  }
  return { value: top.value, confidence, evidence };
}

/** Suggestions for every required tag the resource lacks or carries with a rejected value. */
export function suggestTags(model: SuggestionModel, subject: SuggestSubject, minConfidence = DEFAULT_MIN_CONFIDENCE): TagSuggestion[] {
  const findings = evaluateResource(model.policy, {
    cloud: subject.cloud, id: subject.resourceId, type: subject.resourceType, account: subject.account, region: subject.region, tags: subject.tags,
  });
  const rules = new Map(model.policy.rulesFor(subject.cloud, subject.resourceType).filter((r) => r.required).map((r) => [r.name, r]));
  const out: TagSuggestion[] = [];
  const done = new Set<string>();
  for (const finding of findings) {
    const rule = rules.get(finding.tag);
    if (!rule || !NEEDS_VALUE.has(finding.kind) || done.has(rule.name)) continue;
    done.add(rule.name);
    const currentValue = finding.kind === 'missing_required_tag' ? undefined : valueFor(rule, subject.tags);
    const prediction = predictTag(model, subject, rule, currentValue);
    const confident = prediction.confidence !== null && prediction.confidence >= minConfidence;
    out.push({
      tag: rule.name,
      reason: finding.kind === 'missing_required_tag' ? 'missing' : 'invalid',
      ...(currentValue !== undefined ? { currentValue } : {}),
      ...prediction,
      status: confident ? 'suggested' : 'no_confident_suggestion',
      ...(!confident && prediction.value !== null && !prediction.note
        ? { note: `best guess ${prediction.value} is only ${Math.round(prediction.confidence! * 100)}% likely (threshold ${Math.round(minConfidence * 100)}%)` }
        : {}),
    });
  }
  return out;
}
