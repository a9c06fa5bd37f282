// A real OAuth 2.1 / OpenID authorization server for tests: oidc-provider on a local port, with
// resource indicators (RFC 8707) issuing JWT access tokens whose audience is the requested
// resource, PKCE required, and one pre-registered public client. Its login and consent screens are
// answered at once for the account `alice`, so `authorize()` can drive the authorization-code flow
// without a browser: it follows the redirects (keeping cookies) until the client's redirect URI.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

export const OIDC_CLIENT_ID = 'mcp-test-client';
export const OIDC_REDIRECT_URI = 'http://127.0.0.1/callback';
export const OIDC_ACCOUNT = 'alice';

export interface OidcIssuer {
  issuer: string;
  /** Follows an authorization URL through login and consent; the query of the redirect to OIDC_REDIRECT_URI. */
  authorize(authorizationUrl: URL): Promise<URLSearchParams>;
  close(): Promise<void>;
}

/** `grantedScopes`: what the consent screen grants (the client still gets only what it asked for). */
export async function startOidcIssuer(grantedScopes: string[]): Promise<OidcIssuer> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'oidc-test-1', alg: 'RS256', use: 'sig' };
  // The issuer names the port, so the provider is built once the server listens.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: OIDC_CLIENT_ID, application_type: 'native', token_endpoint_auth_method: 'none',
      redirect_uris: [OIDC_REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    scopes: ['openid', 'offline_access', ...grantedScopes],
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    pkce: { required: () => true },
    ttl: { AccessToken: 300, AuthorizationCode: 60, Grant: 3600, Interaction: 600, RefreshToken: 3600, Session: 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => ({
          scope: grantedScopes.join(' '), audience: resourceIndicator, accessTokenTTL: 300,
          accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      answerInteraction(provider, req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    callback(req, res);
  });

  return {
    issuer,
    async authorize(authorizationUrl) {
      const cookies = new Map<string, string>();
      let url = authorizationUrl.href;
      for (let hop = 0; hop < 10; hop++) {
        if (url.startsWith(OIDC_REDIRECT_URI)) return new URL(url).searchParams;
        const response = await fetch(url, {
          redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';');
          const eq = pair!.indexOf('=');
          cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        const location = response.headers.get('location');
        if (!location) throw new Error(`the authorization server answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`);
        url = new URL(location, url).href;
      }
      throw new Error('too many redirects in the authorization flow');
    },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** Login as OIDC_ACCOUNT, then consent to what the client asked for. */
async function answerInteraction(provider: Provider, req: Parameters<Provider['interactionDetails']>[0], res: Parameters<Provider['interactionDetails']>[1]): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: OIDC_ACCOUNT } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined)
    ?? new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
  if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
  for (const [resource, scopes] of Object.entries(details.prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}
