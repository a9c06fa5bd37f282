// The dashboard over plain HTTP on the real gateway stack (Temporal dev server, PostgreSQL): login
// with an API key for a session cookie, sessions shared by replicas, CSRF on every POST, the
// Host/Origin guard, strict CSP, escaping of attacker-controlled tag values, and open mode.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../mcp-gateway/auth.js';
import { suggestTagsTool } from '../../mcp-gateway/tools/suggest-tags.js';
import { raw, startGatewayStack, type GatewayStack, type RawReply } from '../support/http-gateway.js';
import { seedHistory, XSS_VALUE, type SeededHistory } from '../support/dashboard-seed.js';

const KEY = 'dashboard-key-7c1e9a4b2d6f80135';
let stack: GatewayStack;
let seeded: SeededHistory;
let url: string;
let replica: string;

function cookiesOf(reply: RawReply): Record<string, string> {
  const list = reply.headers['set-cookie'] ?? [];
  const out: Record<string, string> = {};
  for (const c of Array.isArray(list) ? list : [list]) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    out[pair!.slice(0, eq)] = c;
  }
  return out;
}
const valueOf = (setCookie: string | undefined) => setCookie?.split(';')[0]!.split('=')[1];
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const csrfIn = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1];

/** Loads the login page and posts `key` with its token; returns the reply. */
async function login(base: string, key: string, opts: { csrf?: 'omit' | 'wrong'; origin?: string; https?: boolean } = {}): Promise<RawReply> {
  const page = await raw(`${base}/dashboard/login`);
  const loginCookie = valueOf(cookiesOf(page).ftc_dashboard_login)!;
  const token = opts.csrf === 'wrong' ? 'x'.repeat(32) : csrfIn(page.body)!;
  return raw(`${base}/dashboard/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ftc_dashboard_login=${loginCookie}`, ...(opts.origin ? { origin: opts.origin } : {}),
      ...(opts.https ? { 'x-forwarded-proto': 'https' } : {}) },
    body: form(opts.csrf === 'omit' ? { key } : { key, csrf: token }),
  });
}

async function session(base = url): Promise<string> {
  const reply = await login(base, KEY);
  expect(reply.status).toBe(303);
  return `ftc_dashboard=${valueOf(cookiesOf(reply).ftc_dashboard)}`;
}

beforeAll(async () => {
  stack = await startGatewayStack('dashboard-http');
  seeded = await seedHistory(stack.store.store, stack.store.db);
  url = (await stack.start({ apiKeyHashes: [hashApiKey(KEY)] })).url;
  replica = (await stack.start({ apiKeyHashes: [hashApiKey(KEY)] })).url;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('dashboard over HTTP', () => {
  it('sends an unauthenticated browser to the login page, served with a strict CSP', async () => {
    for (const path of ['/dashboard', '/dashboard/violations', '/dashboard/scans']) {
      const reply = await raw(`${url}${path}`);
      expect(reply.status).toBe(303);
      expect(reply.headers.location).toBe('/dashboard/login');
    }
    const page = await raw(`${url}/dashboard/login`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).not.toMatch(/script-src|unsafe-inline/);
    expect(page.body).toContain('name="key"');
    expect(cookiesOf(page).ftc_dashboard_login).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses a wrong key, and a login form without its CSRF token', async () => {
    const wrong = await login(url, 'not-the-key-0000000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('not accepted');
    expect(cookiesOf(wrong).ftc_dashboard).toBeUndefined();
    for (const csrf of ['omit', 'wrong'] as const) {
      const refused = await login(url, KEY, { csrf });
      expect(refused.status).toBe(403);
      expect(cookiesOf(refused).ftc_dashboard).toBeUndefined();
    }
  });

  it('exchanges a key for an HttpOnly SameSite=Strict session whose id is stored only hashed', async () => {
    const reply = await login(url, KEY);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/dashboard');
    const setCookie = cookiesOf(reply).ftc_dashboard!;
    expect(setCookie).toMatch(/Path=\/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict/);
    const id = valueOf(setCookie)!;
    expect(setCookie).not.toContain(KEY);
    expect(setCookie).not.toContain('Secure');
    expect(cookiesOf(await login(url, KEY, { https: true })).ftc_dashboard).toMatch(/; Secure$/);
    const rows = await stack.store.db.query<{ id_hash: string; actor: string }>('select id_hash, actor from dashboard_sessions');
    expect(rows.map((r) => r.id_hash)).toContain(createHash('sha256').update(id).digest('hex'));
    expect(rows.map((r) => r.id_hash)).not.toContain(id);
    expect(rows[0]!.actor).toBe(`key:${hashApiKey(KEY).slice(0, 8)}`);

    // Logins are audited, refused ones too; the key never reaches the audit trail.
    await stack.store.store.flushAudit();
    const audit = (await stack.store.store.listAudit({ limit: 100 })).filter((a) => a.tool === 'dashboard_login');
    expect(audit.some((a) => a.outcome === 'ok' && a.actor === `key:${hashApiKey(KEY).slice(0, 8)}`)).toBe(true);
    expect(audit.some((a) => a.outcome === 'refused' && a.actor === null)).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(KEY);

    const overview = await raw(`${url}/dashboard`, { headers: { cookie: `ftc_dashboard=${id}` } });
    expect(overview.status).toBe(200);
    expect(overview.body).toContain(seeded.latest.workflowId);
  });

  it('recognises a session on another gateway replica (sessions live in the database)', async () => {
    const cookie = await session(url);
    const reply = await raw(`${replica}/dashboard/scans`, { headers: { cookie } });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Scheduled audits');
  });

  it('logs out only with the session\'s CSRF token, and the session is then gone everywhere', async () => {
    const cookie = await session();
    const page = await raw(`${url}/dashboard`, { headers: { cookie } });
    const csrf = csrfIn(page.body)!;
    const post = (body: string) => raw(`${url}/dashboard/logout`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    expect((await post('')).status).toBe(403);
    expect((await post(form({ csrf: `${csrf}x` }))).status).toBe(403);
    expect((await raw(`${url}/dashboard`, { headers: { cookie } })).status).toBe(200);
    const out = await post(form({ csrf }));
    expect(out.status).toBe(303);
    expect(cookiesOf(out).ftc_dashboard).toMatch(/Max-Age=0/);
    expect((await raw(`${replica}/dashboard`, { headers: { cookie } })).status).toBe(303);
  });

  it('applies the Host and Origin guard to the dashboard', async () => {
    const cookie = await session();
    const badHost = await raw(`${url}/dashboard`, { headers: { cookie, host: 'evil.example.com' } });
    expect(badHost.status).toBe(403);
    expect(badHost.body).not.toContain(seeded.latest.workflowId);
    const crossSite = await login(url, KEY, { origin: 'https://evil.example.com' });
    expect(crossSite.status).toBe(403);
    expect(cookiesOf(crossSite).ftc_dashboard).toBeUndefined();
  });

  it('renders an attacker-controlled tag value as text', async () => {
    const cookie = await session();
    const reply = await raw(`${url}/dashboard/violations?tag=Environment&limit=200`, { headers: { cookie } });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
    expect(reply.body).not.toContain(XSS_VALUE);
    expect(reply.body).not.toMatch(/<script/i);
    // Also through the query string: a filter value echoed back in the form.
    const echoed = await raw(`${url}/dashboard/violations?tag=${encodeURIComponent(XSS_VALUE)}`, { headers: { cookie } });
    expect(echoed.status).toBe(200);
    expect(echoed.body).not.toContain(XSS_VALUE);
    expect(echoed.body).toContain('No findings match.');
  });

  it('suggests values with the same model and threshold as suggest_tags, when asked', async () => {
    const cookie = await session();
    const plain = await raw(`${url}/dashboard/violations?limit=200`, { headers: { cookie } });
    expect(plain.body).not.toContain('suggested by the model');
    const ctx = { ...stack.deps, correlationId: 'test', progress: async () => {} };
    const tool = await suggestTagsTool.handler(ctx, suggestTagsTool.inputSchema.parse({ scan_id: seeded.latest.workflowId, limit: 100 }));
    const expected = tool.structured.resources.flatMap((r) => r.suggestions
      .filter((s) => s.status === 'suggested' && s.reason === 'missing')
      .map((s) => `Add ${s.tag} = &quot;${s.value}&quot; (suggested by the model, ${Math.round(s.confidence! * 100)}% confident)`));
    expect(expected.length).toBeGreaterThan(0);
    const withModel = await raw(`${url}/dashboard/violations?limit=200&suggest=1`, { headers: { cookie } });
    expect(withModel.status).toBe(200);
    const shown = [...withModel.body.matchAll(/<td class="fix" data-testid="fix">([^<]*suggested by the model[^<]*)<\/td>/g)].map((m) => m[1]);
    expect(shown.sort()).toEqual(expected.sort());
  });

  it('is open without login when the gateway runs without authentication (loopback, no keys)', async () => {
    const open = (await stack.start({ apiKeyHashes: [] })).url;
    const reply = await raw(`${open}/dashboard`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(seeded.latest.workflowId);
    expect(reply.body).not.toContain('Log out');
    expect((await raw(`${open}/dashboard/login`)).status).toBe(303);
  });
});
