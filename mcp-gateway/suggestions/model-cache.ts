// The suggestion model of a scan, trained once per (scan, policy version) and kept in the process.
//
// Why here and not in an activity: a completed scan's rows never change, so a model trained from
// them stays valid for as long as the policy does, and the key says exactly when it stops being
// valid. Training streams the scan's tagged rows from PostgreSQL in pages, twice (count, then
// score each resource left out for calibration); memory holds the counts (distinct features x
// values), not the rows, so a scan of millions of resources costs pages of reads, not RAM. A model
// is a few MB of maps: shipping it from a worker through workflow history (capped at ~2 MB a
// payload) or a table would cost more than recounting, and each replica trains at most once per
// scan. Concurrent calls for the same key share one training.
import type { CompiledPolicy } from '../../core/policy/index.js';
import { SuggestionTrainer, type SuggestionModel } from '../../core/suggest/index.js';
import type { Store } from '../../store/index.js';

/** Rows read per page while training. */
export const TRAINING_PAGE = 2000;
/** Models kept: the scans people are working on now (one scope or a few). */
const MAX_MODELS = 4;

const models = new Map<string, Promise<SuggestionModel>>();

export type TrainingProgress = (done: number, message: string) => Promise<void>;

/** The model of a scan under a policy version, trained on first use. */
export function suggestionModel(store: Pick<Store, 'suggestionSubjects'>, scanId: string, policyHash: string, policy: CompiledPolicy,
  progress: TrainingProgress = async () => {}): Promise<SuggestionModel> {
  const key = `${scanId}\u0000${policyHash}`;
  let model = models.get(key);
  if (model) {
    // Most recently used last, so the oldest is evicted first.
    models.delete(key);
    models.set(key, model);
    return model;
  }
  model = train(store, scanId, policy, progress);
  models.set(key, model);
  if (models.size > MAX_MODELS) models.delete(models.keys().next().value!);
  // A failed training is not remembered: the next call tries again.
  model.catch(() => { if (models.get(key) === model) models.delete(key); });
  return model;
}

async function train(store: Pick<Store, 'suggestionSubjects'>, scanId: string, policy: CompiledPolicy, progress: TrainingProgress): Promise<SuggestionModel> {
  const trainer = new SuggestionTrainer(policy);
  let read = 0;
  for (const pass of ['learn', 'holdOut'] as const) {
    let after: string | undefined;
    for (;;) {
      const page = await store.suggestionSubjects(scanId, { tagged: true, after, limit: TRAINING_PAGE });
      for (const subject of page) trainer[pass](subject);
      read += page.length;
      if (page.length < TRAINING_PAGE) break;
      after = page.at(-1)!.resourceId;
      await progress(read, `training the suggestion model on scan ${scanId}: ${pass === 'learn' ? 'counting' : 'calibrating'}, ${read} rows read`);
    }
  }
  return trainer.finish();
}

/** Forgets every model (tests). */
export function clearSuggestionModels(): void {
  models.clear();
}
