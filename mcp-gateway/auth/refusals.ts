// The HTTP refusals of authentication and authorization on /mcp, as the MCP authorization spec
// shapes them: 401 with a Bearer challenge naming the resource metadata (and error="invalid_token"
// for a bad token), 403 error="insufficient_scope" naming every scope the operation needs, and 503
// when the authorization server's keys cannot be fetched (the token was not judged).
import type { AuthResult } from '../auth.js';
import { HttpError, RPC } from '../http/errors.js';
import type { Authenticator } from './authenticate.js';
import { effectiveScopes, type ToolScopes } from './tool-scopes.js';

const KEY_CHALLENGE = 'Bearer realm="mcp"';

/**
 * The 503 when the authorization server's keys could not be fetched: the token was not judged, so
 * it is the gateway's outage, not the caller's bad credential. Every authenticated route answers so.
 */
export function keysUnavailableRefusal(auth: AuthResult): HttpError | undefined {
  return !auth.ok && auth.reason === 'unavailable' ? new HttpError(503, RPC.serverError, auth.message, { 'Retry-After': '10' }) : undefined;
}

/** The refusal of a request whose credential did not authenticate. */
export function authRefusal(authenticator: Authenticator, auth: Extract<AuthResult, { ok: false }>, host: string | undefined): HttpError {
  const unavailable = keysUnavailableRefusal(auth);
  if (unavailable) return unavailable;
  const resource = authenticator.resource;
  const bad = auth.reason !== 'missing';
  const header = resource
    ? resource.unauthorized(host, bad ? { description: auth.message } : undefined)
    : bad ? `${KEY_CHALLENGE}, error="invalid_token"` : KEY_CHALLENGE;
  return new HttpError(401, RPC.unauthorized, auth.message, { 'WWW-Authenticate': header });
}

/**
 * The 403 for a token lacking scopes the request needs (http.oauth.requiredScopes, plus those of the
 * tools it calls when `body` is given), or undefined. API keys are not scoped: they keep full access.
 */
export function scopeRefusal(authenticator: Authenticator, scopes: ToolScopes | undefined, auth: AuthResult,
  host: string | undefined, body?: unknown): HttpError | undefined {
  const resource = authenticator.resource;
  if (!resource || !auth.ok || !auth.token) return undefined;
  const need = body !== undefined && scopes ? scopes.needOf(body) : { scopes: [], operations: [] };
  const wanted = [...new Set([...resource.requiredScopes, ...need.scopes])];
  const granted = effectiveScopes(auth.token.scopes);
  const missing = wanted.filter((s) => !granted.has(s));
  if (missing.length === 0) return undefined;
  const what = need.operations.length > 0 && need.scopes.some((s) => missing.includes(s))
    ? `${need.operations.join(', ')} needs the OAuth scope ${wanted.join(' ')}` : `this gateway needs the OAuth scope ${wanted.join(' ')}`;
  const message = `Forbidden: insufficient scope: ${what}, and the access token lacks ${missing.join(' ')}; ` +
    'ask the authorization server for a token with it';
  return new HttpError(403, RPC.forbidden, message, {
    'WWW-Authenticate': resource.insufficientScope(host, wanted, `${what}; the token lacks ${missing.join(' ')}`),
  });
}
