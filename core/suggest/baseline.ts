// The keyword baseline the benchmark compares against, in the style of a rule-based suggester:
// environment words in the name (prod/prd/live -> production, stg/uat -> staging, ...), and for
// other tags a known value whose words all appear in the name. One fixed confidence, no learning.
import { namedPartOfId, tokensOf } from './tokens.js';
import type { SuggestSubject } from './features.js';

export const BASELINE_CONFIDENCE = 0.8;

const ENVIRONMENT_WORDS: Record<string, string[]> = {
  production: ['prod', 'prd', 'production', 'live', 'prodn'],
  staging: ['stg', 'stage', 'staging', 'uat', 'preprod'],
  development: ['dev', 'develop', 'development', 'sandbox'],
  test: ['test', 'tst', 'qa', 'testing'],
};

/** The baseline's guess for a tag: a value and its fixed confidence, or null. */
export function keywordSuggestion(subject: SuggestSubject, tag: string, knownValues: readonly string[]): { value: string; confidence: number } | null {
  const tokens = new Set(tokensOf(subject.name, namedPartOfId(subject.resourceId)));
  if (/^env(ironment)?$/i.test(tag)) {
    for (const [env, words] of Object.entries(ENVIRONMENT_WORDS)) {
      const value = knownValues.find((v) => v.toLowerCase() === env) ?? env;
      if (words.some((w) => tokens.has(w))) return { value, confidence: BASELINE_CONFIDENCE };
    }
    return null;
  }
  // The longest matching value first, so `checkout-api` wins over `checkout`.
  const matches = knownValues
    .map((value) => ({ value, words: tokensOf(value) }))
    .filter((v) => v.words.length > 0 && v.words.every((w) => tokens.has(w)))
    .sort((a, b) => b.words.length - a.words.length);
  return matches[0] ? { value: matches[0].value, confidence: BASELINE_CONFIDENCE } : null;
}
