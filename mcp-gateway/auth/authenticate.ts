// One authenticator for the HTTP gateway, whatever http.auth.mode chose: API keys, OAuth 2.1 access
// tokens, or both (a configured key matches first; otherwise a JWT-shaped credential is verified as
// an access token). Its verdict's `actor` is the principal: `key:<hash prefix>` for a key,
// `oauth:<issuer host>:<sub>` for a token, so the two can never collide.
import type { Config } from '../../config/index.js';
import type { Logger } from '../../config/logger.js';
import { ApiKeyVerifier, type AuthResult } from '../auth.js';
import { AccessTokenVerifier, type VerifiedToken } from './access-tokens.js';
import { ProtectedResource } from './protected-resource.js';

const BEARER = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;
/** Three base64url segments: the compact JWS form (an API key never needs dots). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface Authenticator {
  readonly mode: 'keys' | 'oauth' | 'both';
  /** False only in keys mode without keys: the gateway then serves without authentication. */
  readonly enabled: boolean;
  readonly apiKeys: ApiKeyVerifier;
  /** Set in oauth and both modes. */
  readonly resource?: ProtectedResource;
  /** The verdict on an Authorization header; `host` is the request's (validated) Host, for the audience. */
  authenticate(authorization: string | string[] | undefined, host?: string): Promise<AuthResult>;
}

/** The principal of a token: namespaced by its issuer's host, so it cannot collide with a key's. */
export function tokenActor(token: Pick<VerifiedToken, 'issuer' | 'subject'>): string {
  let host: string;
  try {
    host = new URL(token.issuer).host;
  } catch {
    host = token.issuer;
  }
  return `oauth:${host}:${token.subject}`;
}

export function createAuthenticator(http: Config['http'], log: Logger): Authenticator {
  const mode = http.auth.mode;
  const apiKeys = new ApiKeyVerifier(mode === 'oauth' ? [] : http.apiKeyHashes);
  if (mode === 'keys') {
    return { mode, enabled: apiKeys.enabled, apiKeys, authenticate: async (authorization) => apiKeys.verify(authorization) };
  }
  const issuer = http.oauth.issuer;
  if (!issuer) throw new Error('http.oauth.issuer is required when http.auth.mode is oauth or both'); // resolveAuthMode says so first
  const resource = new ProtectedResource({ ...http.oauth, issuer });
  const tokens = new AccessTokenVerifier({ issuer, clockToleranceSeconds: http.oauth.clockToleranceSeconds,
    ...(http.oauth.jwksUri ? { jwksUri: http.oauth.jwksUri } : {}) }, log);
  const noun = mode === 'both' ? 'API key or access token' : 'access token';

  return {
    mode, enabled: true, apiKeys, resource,
    async authenticate(authorization, host) {
      if (authorization === undefined || authorization === '') {
        return { ok: false, reason: 'missing', message: `Unauthorized: missing ${noun}; send "Authorization: Bearer <${noun}>"` };
      }
      const match = Array.isArray(authorization) ? null : BEARER.exec(authorization);
      if (!match) {
        return { ok: false, reason: 'malformed', message: `Unauthorized: malformed Authorization header; expected "Authorization: Bearer <${noun}>"` };
      }
      const credential = match[1]!;
      if (apiKeys.enabled) {
        const key = apiKeys.verify(authorization);
        if (key.ok || !JWT_SHAPE.test(credential)) return key;
      } else if (!JWT_SHAPE.test(credential)) {
        return { ok: false, reason: 'invalid_token', message: 'Unauthorized: invalid access token: it is not a JWT' };
      }
      const verdict = await tokens.verify(credential, resource.audienceFor(host));
      if (!verdict.ok) return verdict;
      return { ok: true, actor: tokenActor(verdict.token), token: verdict.token };
    },
  };
}

/** What the dashboard (or any other surface) needs: who this Authorization header is, or why not. */
export type Authenticate = (authorization: string | undefined, host?: string) =>
  Promise<{ ok: true; actor: string } | { ok: false; message: string }>;

/**
 * Authenticates like /mcp does, for keys, oauth and both modes. Pass the request's Host when
 * http.oauth.resource is unset (loopback binds), since the token's audience derives from it.
 * In keys mode without keys there is nobody to authenticate: every header is refused.
 */
export function createAuthenticate(http: Config['http'], log: Logger): Authenticate {
  const authenticator = createAuthenticator(http, log);
  return async (authorization, host) => {
    if (!authenticator.enabled) return { ok: false, message: 'Unauthorized: no API keys or authorization server are configured' };
    const result = await authenticator.authenticate(authorization, host);
    return result.ok ? { ok: true, actor: result.actor } : { ok: false, message: result.message };
  };
}
