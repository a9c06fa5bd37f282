// The HTTP gateway as an OAuth 2.1 resource server (MCP authorization, 2026-07-28): the Protected
// Resource Metadata it serves, the 401 / 403 challenges, JWT access tokens verified against the
// issuer's JWKS (issuer, audience, expiry, not-before, signature, algorithm), scopes per tool, the
// token subject as the audit actor, `both` mode beside API keys, and the whole authorization-code
// flow with PKCE against a real authorization server (oidc-provider) through real MCP clients of
// both protocol eras.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Client, StreamableHTTPClientTransport, UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, keyIdentity } from '../../mcp-gateway/auth.js';
import { configSchema } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { createAuthenticate, tokenActor } from '../../mcp-gateway/auth/authenticate.js';
import { INITIALIZE, mcpHeaders, modernRequest, raw, rpcMessageOf, startGatewayStack, type GatewayStack } from '../support/http-gateway.js';
import { startLocalIssuer, type LocalIssuer } from '../support/oauth-issuer.js';
import { freePort } from '../../worker/free-port.js';
import { OIDC_ACCOUNT, OIDC_CLIENT_ID, OIDC_REDIRECT_URI, startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';

const KEY = 'oauth-suite-api-key-0123456789abcdef';
const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const READ = 'compliance:read';
const SCAN = 'compliance:scan';


function connectClient(url: string, era: 'modern' | 'legacy', init: { token?: string; authProvider?: OAuthClientProvider }) {
  const client = new Client({ name: `oauth-${era}`, version: '1.0.0' }, era === 'modern'
    ? { versionNegotiation: { mode: { pin: MODERN } } }
    : { supportedProtocolVersions: [LEGACY] });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    ...(init.token ? { requestInit: { headers: { Authorization: `Bearer ${init.token}` } } } : {}),
    ...(init.authProvider ? { authProvider: init.authProvider } : {}),
  });
  return { client, transport, connected: client.connect(transport).then(() => client) };
}

/** A raw 2026-07-28 request to /mcp with this bearer credential (none when undefined). */
function post(url: string, bearer: string | undefined, method: string, params: Record<string, unknown>) {
  const { body, headers } = modernRequest(method, params, { headers: { authorization: bearer === undefined ? undefined : `Bearer ${bearer}` } });
  return raw(`${url}/mcp`, { method: 'POST', headers, body });
}

/** The parameters of a WWW-Authenticate Bearer challenge. */
function challengeOf(header: string | string[] | undefined): Record<string, string> {
  const value = String(header ?? '');
  expect(value).toMatch(/^Bearer /);
  return Object.fromEntries([...value.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

describe('gateway OAuth 2.1 resource server (HTTP)', () => {
  let stack: GatewayStack;
  let issuer: LocalIssuer;
  let url: string;
  let resource: string;

  beforeAll(async () => {
    [stack, issuer] = await Promise.all([startGatewayStack('gateway-oauth'), startLocalIssuer()]);
    // No jwksUri: the gateway finds it in the issuer's RFC 8414 metadata.
    url = (await stack.start({ auth: { mode: 'oauth' }, oauth: { issuer: issuer.issuer } })).url;
    resource = `${url}/mcp`;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });

  it('serves Protected Resource Metadata (RFC 9728) at both well-known paths, without authentication', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const reply = await raw(`${url}${path}`);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({
        resource,
        authorization_servers: [issuer.issuer],
        scopes_supported: [READ, SCAN, 'compliance:approve'],
        bearer_methods_supported: ['header'],
      });
    }
    // Behind the Host guard like every route (DNS rebinding).
    const rebound = await raw(`${url}/.well-known/oauth-protected-resource/mcp`, { headers: { host: 'attacker.example' } });
    expect(rebound.status).toBe(403);
  });

  it('answers a request without a token with 401 and a challenge naming the metadata and the scope', async () => {
    const reply = await post(url, undefined, 'tools/list', {});
    expect(reply.status).toBe(401);
    expect(challengeOf(reply.headers['www-authenticate'])).toEqual({
      scope: READ, resource_metadata: `${url}/.well-known/oauth-protected-resource/mcp`,
    });
    expect(rpcMessageOf(reply.body).error?.message).toMatch(/^Unauthorized: missing access token/);
  });

  it.each(['modern', 'legacy'] as const)('serves a %s MCP client with a valid token; the subject is the audit actor', async (era) => {
    const token = await issuer.token(resource, READ);
    const { connected } = connectClient(url, era, { token });
    const client = await connected;
    try {
      expect(client.getProtocolEra()).toBe(era);
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      const correlationId = result._meta?.correlation_id as string;
      await stack.deps.store.flushAudit();
      const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
      expect(row).toMatchObject({ tool: 'get_tagging_policy', outcome: 'ok', actor: `oauth:${new URL(issuer.issuer).host}:alice` });
    } finally {
      await client.close();
    }
  });

  it('refuses a tool call whose scope the token lacks with 403 insufficient_scope, and audits it under the subject', async () => {
    const token = await issuer.token(resource, READ);
    const reply = await post(url, token, 'tools/call', { name: 'start_compliance_scan', arguments: {} });
    expect(reply.status).toBe(403);
    expect(challengeOf(reply.headers['www-authenticate'])).toMatchObject({
      error: 'insufficient_scope', scope: SCAN, resource_metadata: `${url}/.well-known/oauth-protected-resource/mcp`,
    });
    expect(rpcMessageOf(reply.body).error?.message).toMatch(/start_compliance_scan needs the OAuth scope compliance:scan/);
    await stack.deps.store.flushAudit();
    const rows = await stack.deps.store.listAudit({ limit: 50 });
    expect(rows.find((a) => a.tool === 'http:403' && /start_compliance_scan/.test(a.error ?? ''))?.actor).toBe(tokenActor({ issuer: issuer.issuer, subject: 'alice' }));

    // The same through a 2025-era session: the call is refused over HTTP, the session lives on.
    const { connected } = connectClient(url, 'legacy', { token });
    const client = await connected;
    try {
      await expect(client.callTool({ name: 'start_compliance_scan', arguments: {} })).rejects.toThrow(/403|insufficient|scope/i);
      expect((await client.callTool({ name: 'get_tagging_policy', arguments: {} })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });

  it('scopes per tool: a scan token reads too, a scopeless token may list but not call, approvals need their own scope', async () => {
    const scanToken = await issuer.token(resource, SCAN);
    expect((await post(url, scanToken, 'tools/call', { name: 'get_tagging_policy', arguments: {} })).status).toBe(200);
    const approve = await post(url, scanToken, 'tools/call', { name: 'approve_scan', arguments: {} });
    expect(approve.status).toBe(403);
    expect(challengeOf(approve.headers['www-authenticate']).scope).toBe('compliance:approve');

    const scopeless = await issuer.token(resource, '');
    const list = await post(url, scopeless, 'tools/list', {});
    expect(list.status).toBe(200);
    expect(rpcMessageOf(list.body).result?.tools).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'start_compliance_scan' })]));
    const call = await post(url, scopeless, 'tools/call', { name: 'get_tagging_policy', arguments: {} });
    expect(call.status).toBe(403);
    expect(challengeOf(call.headers['www-authenticate']).scope).toBe(READ);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const badTokens: [string, (l: LocalIssuer, aud: string) => Promise<string> | string, RegExp][] = [
    ['expired', (l, aud) => l.token(aud, READ, { claims: { iat: now() - 900, exp: now() - 120 } }), /expired/],
    ['not yet valid', (l, aud) => l.token(aud, READ, { claims: { nbf: now() + 600 } }), /not valid yet/],
    ['for another audience', (l) => l.token('https://other.example.com/mcp', READ), /not issued for this resource/],
    ['from another issuer', (l, aud) => l.token(aud, READ, { claims: { iss: 'https://idp.elsewhere.example' } }), /another authorization server/],
    ['badly signed', (l, aud) => l.token(aud, READ, { unpublishedKey: true }), /signature does not verify/],
    ['unsigned (alg none)', (l, aud) => l.unsignedToken(aud, READ), /signing algorithm is not accepted/],
    ['without a subject', (l, aud) => l.token(aud, READ, { claims: { sub: undefined } }), /names no subject/],
    ['not an access token (typ)', (l, aud) => l.token(aud, READ, { typ: 'id+jwt' }), /not an access token/],
    ['not a JWT', () => 'just-an-opaque-string', /not a JWT/],
  ];
  it.each(badTokens)('refuses a token %s with 401 invalid_token', async (_name, mint, reason) => {
    const token = await mint(issuer, resource);
    const reply = await post(url, token, 'tools/list', {});
    expect(reply.status).toBe(401);
    const challenge = challengeOf(reply.headers['www-authenticate']);
    expect(challenge).toMatchObject({ error: 'invalid_token', scope: READ, resource_metadata: `${url}/.well-known/oauth-protected-resource/mcp` });
    expect(challenge.error_description).toMatch(reason);
    const message = rpcMessageOf(reply.body).error?.message ?? '';
    expect(message).toMatch(/^Unauthorized: invalid access token/);
    expect(message).not.toContain(token);
  });

  it('answers 503 (not a crash, not a 401) on /mcp and /metrics while the issuer keys cannot be fetched', async () => {
    // The JWKS of an unreachable authorization server: a free port, nothing listening on it.
    const dead = (await stack.start({ auth: { mode: 'oauth' }, oauth: { issuer: issuer.issuer, jwksUri: `http://127.0.0.1:${await freePort()}/jwks` } })).url;
    const reply = await post(dead, await issuer.token(`${dead}/mcp`, READ), 'tools/list', {});
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('10');
    expect(rpcMessageOf(reply.body).error?.message).toMatch(/^Service Unavailable: cannot check access tokens/);
    expect((await raw(`${dead}/health`)).status).not.toBe(500);
    // /metrics judges the scraper's token the same way: an outage of the keys is not a bad credential.
    const scrape = await raw(`${dead}/metrics`, { headers: { authorization: `Bearer ${await issuer.token(`${dead}/mcp`, READ)}` } });
    expect(scrape.status).toBe(503);
    expect(scrape.headers['retry-after']).toBe('10');
    expect((await raw(`${dead}/metrics`)).status, 'no credential at all is still 401').toBe(401);
  });

  it('refuses every request of a token without http.oauth.requiredScopes with 403, before the body is read', async () => {
    const strict = (await stack.start({ auth: { mode: 'oauth' }, oauth: { issuer: issuer.issuer, jwksUri: issuer.jwksUri, requiredScopes: 'finops:gateway' } })).url;
    const without = await post(strict, await issuer.token(`${strict}/mcp`, READ), 'tools/list', {});
    expect(without.status).toBe(403);
    expect(challengeOf(without.headers['www-authenticate'])).toMatchObject({ error: 'insufficient_scope', scope: 'finops:gateway' });
    expect((await post(strict, await issuer.token(`${strict}/mcp`, `finops:gateway ${READ}`), 'tools/list', {})).status).toBe(200);
    expect(challengeOf((await post(strict, undefined, 'tools/list', {})).headers['www-authenticate']).scope).toBe(`finops:gateway ${READ}`);
    expect(JSON.parse((await raw(`${strict}/.well-known/oauth-protected-resource`)).body).scopes_supported[0]).toBe('finops:gateway');
  });

  it('rate-limits per token subject, and never logs or audits a token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const limited = (await stack.start({ auth: { mode: 'oauth' }, oauth: { issuer: issuer.issuer, jwksUri: issuer.jwksUri }, rateLimitPerMinute: 3 }, logger)).url;
    const alice = await issuer.token(`${limited}/mcp`, READ);
    const bob = await issuer.token(`${limited}/mcp`, READ, { claims: { sub: 'bob' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(limited, alice, 'tools/call', { name: 'get_tagging_policy', arguments: {} })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await post(limited, bob, 'tools/list', {})).status).toBe(200);
    const expired = await issuer.token(`${limited}/mcp`, READ, { claims: { sub: 'carol', exp: now() - 120 } });
    expect((await post(limited, expired, 'tools/list', {})).status).toBe(401);
    await stack.deps.store.flushAudit();
    const rows = JSON.stringify(await stack.deps.store.listAudit({ limit: 200 }));
    for (const token of [alice, bob, expired]) {
      const signature = token.split('.')[2]!;
      expect(lines.join('\n')).not.toContain(signature);
      expect(rows).not.toContain(signature);
    }
    expect(lines.some((l) => /http request refused/.test(l) && /invalid access token: it has expired/.test(l))).toBe(true);
  });

  it('both mode accepts API keys and access tokens, each as its own principal', async () => {
    const both = (await stack.start({ auth: { mode: 'both' }, apiKeyHashes: [hashApiKey(KEY)], oauth: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } })).url;
    const token = await issuer.token(`${both}/mcp`, READ);
    for (const [credential, actor] of [[KEY, keyIdentity(hashApiKey(KEY))], [token, tokenActor({ issuer: issuer.issuer, subject: 'alice' })]] as const) {
      const reply = await post(both, credential, 'tools/call', { name: 'get_tagging_policy', arguments: {} });
      expect(reply.status).toBe(200);
      const correlationId = (rpcMessageOf(reply.body).result?._meta as { correlation_id: string }).correlation_id;
      await stack.deps.store.flushAudit();
      expect((await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId)?.actor).toBe(actor);
    }
    // API keys are not scoped: a key may start scans; a token for another resource is still refused.
    const scan = await post(both, KEY, 'tools/call', { name: 'start_compliance_scan', arguments: {} });
    expect(scan.status).toBe(200);
    expect((await post(both, 'not-a-known-key', 'tools/list', {})).status).toBe(401);
    expect((await post(both, await issuer.token(resource, READ), 'tools/list', {})).status).toBe(401);
    // The dashboard's authenticate(): the same verdicts outside /mcp.
    const authenticate = createAuthenticate(configSchema.parse({
      http: { auth: { mode: 'both' }, apiKeyHashes: [hashApiKey(KEY)], oauth: { issuer: issuer.issuer, resource: `${both}/mcp` } },
    }).http, createLogger('silent'));
    expect(await authenticate(`Bearer ${KEY}`)).toEqual({ ok: true, actor: keyIdentity(hashApiKey(KEY)) });
    expect(await authenticate(`Bearer ${token}`)).toEqual({ ok: true, actor: tokenActor({ issuer: issuer.issuer, subject: 'alice' }) });
    expect(await authenticate(`Bearer ${await issuer.token(`${both}/mcp`, READ, { claims: { exp: now() - 120 } })}`))
      .toMatchObject({ ok: false, message: expect.stringMatching(/expired/) });
    expect(await authenticate(undefined)).toMatchObject({ ok: false, message: expect.stringMatching(/missing API key or access token/) });
    // A 2025-era initialize with the key still opens a session.
    const init = await raw(`${both}/mcp`, { method: 'POST', headers: mcpHeaders({ authorization: `Bearer ${KEY}` }), body: JSON.stringify(INITIALIZE) });
    expect(init.status).toBe(200);
  });
});

describe('gateway OAuth 2.1: authorization code flow with PKCE (oidc-provider)', () => {
  let stack: GatewayStack;
  let oidc: OidcIssuer;
  let url: string;

  beforeAll(async () => {
    [stack, oidc] = await Promise.all([startGatewayStack('gateway-oauth-pkce'), startOidcIssuer([READ, SCAN])]);
    url = (await stack.start({ auth: { mode: 'oauth' }, oauth: { issuer: oidc.issuer } })).url;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await oidc?.close();
  });

  /** A pre-registered public client that keeps its tokens in memory and records where it was sent. */
  function memoryProvider() {
    const state: { tokens?: Awaited<ReturnType<OAuthClientProvider['tokens']>>; verifier?: string; authorizationUrl?: URL; discovery?: unknown } = {};
    const provider: OAuthClientProvider = {
      get redirectUrl() { return OIDC_REDIRECT_URI; },
      get clientMetadata() {
        return { client_name: 'oauth-test', redirect_uris: [OIDC_REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
      },
      clientInformation: () => ({ client_id: OIDC_CLIENT_ID }),
      tokens: () => state.tokens,
      saveTokens: (tokens) => { state.tokens = tokens; },
      redirectToAuthorization: (authorizationUrl) => { state.authorizationUrl = authorizationUrl; },
      saveCodeVerifier: (verifier) => { state.verifier = verifier; },
      codeVerifier: () => state.verifier!,
      saveDiscoveryState: (discovery) => { state.discovery = discovery; },
      discoveryState: () => state.discovery as never,
    };
    return { provider, state };
  }

  it.each(['modern', 'legacy'] as const)('a %s client discovers the authorization server, runs the PKCE flow, calls a tool and steps up for a scan', async (era) => {
    const { provider, state } = memoryProvider();
    // 1. The unauthenticated attempt: 401 -> metadata -> the authorization server -> a redirect to authorize.
    const first = connectClient(url, era, { authProvider: provider });
    await expect(first.connected).rejects.toThrow(UnauthorizedError);
    const authorizationUrl = state.authorizationUrl!;
    expect(authorizationUrl.origin).toBe(oidc.issuer);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(`${url}/mcp`);
    // The scope of the challenge (the client may add offline_access for a refresh token).
    expect(authorizationUrl.searchParams.get('scope')?.split(' ')).toContain(READ);
    expect(authorizationUrl.searchParams.get('scope')?.split(' ')).not.toContain(SCAN);

    // 2. The user agent: login and consent, then back to the client with a code.
    const callback = await oidc.authorize(authorizationUrl);
    expect(callback.get('code')).toBeTruthy();
    await first.transport.finishAuth(callback);
    expect(state.tokens?.access_token).toBeTruthy();

    // 3. The MCP call with the issued token (a JWT for this resource).
    const { connected } = connectClient(url, era, { authProvider: provider });
    const client = await connected;
    try {
      const result = await client.callTool({ name: 'get_tagging_policy', arguments: {} });
      expect(result.isError).toBeFalsy();
      const correlationId = result._meta?.correlation_id as string;
      await stack.deps.store.flushAudit();
      const row = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === correlationId);
      expect(row?.actor).toBe(tokenActor({ issuer: oidc.issuer, subject: OIDC_ACCOUNT }));

      // 4. Step-up: a scan needs compliance:scan; the 403 challenge sends the client back to authorize it.
      state.authorizationUrl = undefined;
      await expect(client.callTool({ name: 'start_compliance_scan', arguments: {} })).rejects.toThrow();
      const stepUp = state.authorizationUrl as URL | undefined;
      expect(stepUp?.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining([READ, SCAN]));
      await first.transport.finishAuth(await oidc.authorize(stepUp!));
      const upgraded = await connectClient(url, era, { authProvider: provider }).connected;
      try {
        const scan = await upgraded.callTool({ name: 'start_compliance_scan', arguments: {} });
        expect(scan.content).toBeDefined(); // past the scope check: whatever the tool says, it ran
        await stack.deps.store.flushAudit();
        const scanRow = (await stack.deps.store.listAudit({ limit: 50 })).find((a) => a.correlationId === scan._meta?.correlation_id);
        expect(scanRow).toMatchObject({ tool: 'start_compliance_scan', actor: tokenActor({ issuer: oidc.issuer, subject: OIDC_ACCOUNT }) });
      } finally {
        await upgraded.close();
      }
    } finally {
      await client.close();
    }
  });
});
