// Who a sessionless call is counted against. The 2026-07-28 protocol carries no session and no
// conversation id (its reserved _meta keys are protocolVersion, clientInfo, clientCapabilities and
// logLevel; clientInfo is self-reported and not for decisions), so the key is the authenticated
// principal, narrowed by a conversation id only when a client sends ours in _meta.
import { ToolError } from '../errors.js';
import type { GuardKey } from './fingerprint.js';

/** Optional `_meta` key a client may set to keep loop detection apart per conversation. */
export const CONVERSATION_ID_META_KEY = 'finops-tag-compliance/conversationId';

const CONVERSATION_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The conversation id of a request's `_meta`, if it carries one. A malformed one is refused with
 * a ToolError rather than ignored, so a client learns its id is not being used.
 */
export function conversationIdFrom(meta: Record<string, unknown> | undefined): string | undefined {
  const value = meta?.[CONVERSATION_ID_META_KEY];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !CONVERSATION_ID.test(value)) {
    throw new ToolError(`_meta["${CONVERSATION_ID_META_KEY}"] must be 1 to 128 printable ASCII characters without spaces`);
  }
  return value;
}

export interface CallerIdentity {
  /** SHA-256 hex of the presented API key (ApiKeyVerifier's `hash`), when keys are configured. */
  apiKeyHash?: string;
  /** The verified token subject (OAuth `sub`), with its issuer when known. */
  tokenSubject?: string;
  tokenIssuer?: string;
  /** The client address: the principal only when the request carries no credential. */
  clientAddress?: string;
}

/** The guard key of a request: the strongest identity it carries, plus its conversation id. */
export function guardKeyOf(caller: CallerIdentity, conversation?: string): GuardKey {
  let principal: string;
  if (caller.apiKeyHash) principal = `key:${caller.apiKeyHash.toLowerCase()}`;
  else if (caller.tokenSubject) principal = `sub:${caller.tokenIssuer ?? ''}:${caller.tokenSubject}`;
  else if (caller.clientAddress) principal = `ip:${caller.clientAddress}`;
  // stdio: one client per process, and no address; every call of the process shares one budget.
  else principal = 'local:stdio';
  return conversation === undefined ? { principal } : { principal, conversation };
}
