// Values the suggestion model proposes for the findings on one page of the violations table, the
// same model and threshold as suggest_tags (trained once per scan and policy, then kept in the
// process). Opt-in per view: the first use on a large scan reads all of its rows to train.
import { compilePolicy } from '../../core/policy/index.js';
import { DEFAULT_MIN_CONFIDENCE, suggestTags } from '../../core/suggest/index.js';
import type { ViolationRowRecord } from '../../store/index.js';
import { loadActivePolicy } from '../../store/policy-sync.js';
import type { GatewayDeps } from '../context.js';
import { suggestionModel } from '../suggestions/model-cache.js';

export interface ModelFix {
  value: string;
  confidence: number;
}

/** Findings a value would fix. */
const NEEDS_VALUE = new Set(['missing_required_tag', 'invalid_value', 'invalid_format', 'empty_value']);

export const fixKey = (resourceId: string, tag: string) => `${resourceId}\u0000${tag.toLowerCase()}`;

/** Confident suggestions for the page's findings that need a value, by fixKey. */
export async function modelFixes(deps: GatewayDeps, scanId: string, rows: ViolationRowRecord[]): Promise<Map<string, ModelFix>> {
  const fixes = new Map<string, ModelFix>();
  const resources = [...new Set(rows.filter((r) => NEEDS_VALUE.has(r.kind) && !r.suggestion).map((r) => r.resourceId))];
  if (resources.length === 0) return fixes;
  const loaded = await loadActivePolicy(deps.store, deps.config.policy.path);
  const model = await suggestionModel(deps.store, scanId, loaded.hash, compilePolicy(loaded.policy));
  const subjects = await Promise.all(resources.map((id) => deps.store.suggestionSubject(scanId, id)));
  for (const subject of subjects) {
    if (!subject) continue;
    for (const s of suggestTags(model, subject, DEFAULT_MIN_CONFIDENCE)) {
      if (s.status === 'suggested' && s.value !== null && s.confidence !== null) {
        fixes.set(fixKey(subject.resourceId, s.tag), { value: s.value, confidence: s.confidence });
      }
    }
  }
  return fixes;
}
