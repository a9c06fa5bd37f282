// A stand-in authorization server for resource-server tests: it publishes RFC 8414 metadata and a
// JWKS on a local port and signs access tokens with jose, so a test can mint exactly the token it
// needs (expired, wrong audience, another issuer's, an unpublished key's, alg none...).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface TokenOptions {
  /** Claims to set or override (undefined removes a default claim). */
  claims?: Record<string, unknown>;
  /** Sign with a key the JWKS does not publish. */
  unpublishedKey?: boolean;
  typ?: string;
}

export interface LocalIssuer {
  issuer: string;
  jwksUri: string;
  /** An access token for `audience`, subject `alice` and `scope`, valid for five minutes unless `claims` say otherwise. */
  token(audience: string, scope: string, opts?: TokenOptions): Promise<string>;
  /** An unsigned token (alg none) with the same claims. */
  unsignedToken(audience: string, scope: string): string;
  close(): Promise<void>;
}

export async function startLocalIssuer(): Promise<LocalIssuer> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const unpublished = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'published-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const send = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/oauth-authorization-server') {
      send({ issuer, jwks_uri: `${issuer}/jwks`, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'], code_challenge_methods_supported: ['S256'] });
    } else if (req.url === '/jwks') {
      send({ keys: [jwk] });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const claimsOf = (audience: string, scope: string, extra: Record<string, unknown> = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: issuer, sub: 'alice', aud: audience, scope, iat: now, exp: now + 300, client_id: 'test-client', ...extra };
    return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined)) as JWTPayload;
  };
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    async token(audience, scope, opts = {}) {
      return new SignJWT(claimsOf(audience, scope, opts.claims))
        .setProtectedHeader({ alg: 'RS256', kid: 'published-1', typ: opts.typ ?? 'at+jwt' })
        .sign(opts.unpublishedKey ? unpublished.privateKey : published.privateKey);
    },
    unsignedToken(audience, scope) {
      return `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claimsOf(audience, scope))}.`;
    },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
