// The call guard of a 2026-07-28 request, which has no session: the shared guard (guard/), whose
// counters live in the database or Redis, keyed by the caller's principal (API key hash, else client
// address) and the conversation id a client may put in _meta. Every replica counts the same calls.
import { conversationIdFrom, guardKeyOf, type SharedGuard } from '../guard/index.js';
import type { CallerIdentity } from '../guard/principal.js';
import type { CallGuard } from '../server.js';

export function sharedCallGuard(shared: SharedGuard, caller: CallerIdentity): CallGuard {
  return {
    admit: (tool, input, meta) => shared.admit(guardKeyOf(caller, conversationIdFrom(meta)), tool, input),
  };
}
