// Verifies OAuth 2.1 access tokens (JWTs, RFC 9068) for the gateway as a resource server, with jose:
// signature against the issuer's JWKS (fetched, cached and refreshed on an unknown key by jose), an
// allow-list of algorithms, `iss` equal to the configured issuer (RFC 9207), `aud` containing this
// resource (RFC 8707), exp / nbf with a tolerance. Failures say what is wrong, never echo the token.
import {
  createRemoteJWKSet, errors, jwtVerify,
  type JWSHeaderParameters, type FlattenedJWSInput, type JWTPayload,
} from 'jose';
import type { Logger } from '../../config/logger.js';

/** Asymmetric algorithms only: a shared secret would let anyone who verifies also mint tokens. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];
/** RFC 9068 says at+jwt; many identity providers still issue JWT or nothing. */
const ACCEPTED_TYPES = new Set(['at+jwt', 'application/at+jwt', 'jwt']);
const FETCH_TIMEOUT_MS = 5_000;
/** After a failed discovery, requests are refused this long before the next attempt. */
const DISCOVERY_RETRY_MS = 10_000;

export interface VerifiedToken {
  issuer: string;
  subject: string;
  scopes: string[];
  /** The OAuth client the token was issued to (client_id or azp), when the token says. */
  clientId?: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export type TokenVerdict =
  | { ok: true; token: VerifiedToken }
  | { ok: false; reason: 'invalid_token' | 'unavailable'; message: string };

export interface AccessTokenSettings {
  issuer: string;
  jwksUri?: string;
  clockToleranceSeconds: number;
}

type KeyGetter = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<ReturnType<typeof createRemoteJWKSet>>;

/** The authorization server's keys could not be fetched: the token is not judged, the request waits. */
class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

export class AccessTokenVerifier {
  private keys: Promise<KeyGetter> | undefined;
  private discoveryFailedAt = 0;

  constructor(private readonly settings: AccessTokenSettings, private readonly log: Logger) {}

  async verify(token: string, audience: string): Promise<TokenVerdict> {
    try {
      const keys = await this.keyGetter();
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: this.settings.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      });
      if (protectedHeader.typ !== undefined && !ACCEPTED_TYPES.has(protectedHeader.typ.toLowerCase())) {
        return invalid(`the token's typ is ${JSON.stringify(protectedHeader.typ).slice(0, 40)}, not at+jwt: it is not an access token`);
      }
      return { ok: true, token: verifiedToken(payload) };
    } catch (err) {
      if (err instanceof KeysUnavailable) {
        this.log.warn({ reason: err.message }, 'oauth: the authorization server keys are unavailable');
        return { ok: false, reason: 'unavailable', message: `Service Unavailable: cannot check access tokens right now: ${err.message}; retry shortly` };
      }
      return invalid(describeFailure(err, this.settings.issuer, audience));
    }
  }

  /** The issuer's key set: from http.oauth.jwksUri, else from the issuer's metadata, discovered once. */
  private keyGetter(): Promise<KeyGetter> {
    if (!this.keys) {
      if (Date.now() - this.discoveryFailedAt < DISCOVERY_RETRY_MS) {
        return Promise.reject(new KeysUnavailable('the authorization server metadata could not be read a moment ago'));
      }
      this.keys = this.jwksUri().then((uri) => guardedKeys(createRemoteJWKSet(new URL(uri), {
        timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000,
      })));
      this.keys.catch(() => {
        this.keys = undefined;
        this.discoveryFailedAt = Date.now();
      });
    }
    return this.keys;
  }

  private async jwksUri(): Promise<string> {
    if (this.settings.jwksUri) return this.settings.jwksUri;
    const { issuer } = this.settings;
    for (const url of metadataUrls(issuer)) {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
      } catch (err) {
        throw new KeysUnavailable(`the authorization server metadata at ${url} is unreachable (${(err as Error).message})`);
      }
      if (response.status === 404) continue;
      if (!response.ok) throw new KeysUnavailable(`the authorization server metadata at ${url} answered HTTP ${response.status}`);
      const metadata = await response.json().catch(() => undefined) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
      // RFC 8414 section 3.3: metadata naming another issuer must not be used.
      if (metadata?.issuer !== issuer) throw new KeysUnavailable(`the metadata at ${url} names another issuer than http.oauth.issuer`);
      if (typeof metadata.jwks_uri !== 'string') throw new KeysUnavailable(`the metadata at ${url} has no jwks_uri; set http.oauth.jwksUri`);
      return metadata.jwks_uri;
    }
    throw new KeysUnavailable(`no authorization server metadata found for ${issuer}; set http.oauth.jwksUri`);
  }
}

/** RFC 8414 then OpenID Connect discovery URLs of an issuer, as MCP clients try them. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const at = (p: string) => new URL(p, url.origin).href;
  return path
    ? [at(`/.well-known/oauth-authorization-server${path}`), at(`/.well-known/openid-configuration${path}`), at(`${path}/.well-known/openid-configuration`)]
    : [at('/.well-known/oauth-authorization-server'), at('/.well-known/openid-configuration')];
}

/** A key getter whose fetch failures are KeysUnavailable, while an unknown key stays a bad token. */
function guardedKeys(remote: ReturnType<typeof createRemoteJWKSet>): KeyGetter {
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      const detail = err instanceof errors.JWKSTimeout ? 'timed out' : (err as Error).message;
      throw new KeysUnavailable(`the signing keys could not be fetched (${detail})`);
    }
  };
}

function verifiedToken(payload: JWTPayload): VerifiedToken {
  const scope = payload.scope;
  const scp = payload.scp;
  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean)
    : Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string')
      : typeof scp === 'string' ? scp.split(' ').filter(Boolean) : [];
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
  return { issuer: payload.iss!, subject: payload.sub!, scopes, expiresAt: payload.exp!, ...(clientId ? { clientId } : {}) };
}

function invalid(message: string): TokenVerdict {
  return { ok: false, reason: 'invalid_token', message: `Unauthorized: invalid access token: ${message}` };
}

function describeFailure(err: unknown, issuer: string, audience: string): string {
  if (err instanceof errors.JWTExpired) return 'it has expired; get a new one from the authorization server';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss': return `it was issued by another authorization server (this gateway accepts ${issuer})`;
      case 'aud': return `it was not issued for this resource (its aud must include ${audience}; request it with resource=${audience})`;
      case 'nbf': return 'it is not valid yet (nbf is in the future)';
      case 'sub': return 'it names no subject (sub)';
      case 'exp': return 'it has no expiry (exp)';
      default: return `its ${err.claim} claim is not acceptable (${err.reason})`;
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `its signing algorithm is not accepted (accepted: ${ACCEPTED_ALGORITHMS.join(', ')})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'it is signed with a key the authorization server does not publish';
  if (err instanceof errors.JOSENotSupported) return 'its algorithm or key type is not supported';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'it is not a well-formed signed JWT';
  if (err instanceof errors.JOSEError) return 'it could not be verified';
  throw err;
}
