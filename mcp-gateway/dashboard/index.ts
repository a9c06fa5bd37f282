// The web dashboard at /dashboard, served by the HTTP gateway behind the same guards as /mcp
// (Host/Origin, rate limit) and the same credentials: a browser logs in once with an API key (or
// an OAuth access token, through the `authenticate` it is given) and gets a session cookie. When
// the gateway runs without authentication (loopback, no keys), the dashboard is open too.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../config/logger.js';
import type { Authenticate } from '../auth/authenticate.js';
import type { GatewayDeps } from '../context.js';
import { html, type Html } from './html.js';
import { DASHBOARD_CSS, page, sendPage, type Section } from './layout.js';
import { overviewBody } from './overview.js';
import { REFRESH_SECONDS, scansBody } from './scans.js';
import { DashboardSessions, sameToken, type Viewer } from './session.js';
import { violationsBody, type ViolationsQuery } from './violations.js';


export interface DashboardOptions {
  deps: GatewayDeps;
  /** Verifies a credential presented as an Authorization header value (`Bearer <key or token>`) and the request's Host. */
  authenticate: Authenticate;
  /** False when the gateway serves without authentication: then so does the dashboard. */
  authRequired: boolean;
  log: Logger;
}

const OPEN_VIEWER: Viewer = { actor: 'anonymous (no authentication configured)', csrf: null, sessionHash: null };
/** A key or token longer than this is not one (the form is the only place a browser sends it). */
const MAX_CREDENTIAL = 8192;

type Form = Record<string, string>;

export async function registerDashboard(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const { deps, log } = opts;
  const sessions = new DashboardSessions(deps.store, deps.config.dashboard.sessionTtlMinutes * 60);

  await app.register(async (scope) => {
    // Forms only here: /mcp keeps accepting JSON alone.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode ?? 500;
      // Refusals from the gateway's own guards keep their JSON reply and their audit row.
      if (status < 500 && err.name === 'HttpError') throw err;
      if (status >= 500) log.error({ err, url: req.url }, 'dashboard page failed');
      return sendPage(reply, status >= 400 ? status : 500, page({ title: 'Error' },
        html`<p class="error">${status >= 500 ? 'The page failed on the server; retry, and report it if it persists.' : err.message}</p>`));
    });

    scope.get('/dashboard/assets/dashboard.css', async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff').type('text/css; charset=utf-8').send(DASHBOARD_CSS));

    /** The viewer, or a redirect to the login page (undefined: the reply is sent). */
    const viewerOr = async (req: FastifyRequest, reply: FastifyReply): Promise<Viewer | undefined> => {
      if (!opts.authRequired) return OPEN_VIEWER;
      const viewer = await sessions.viewerOf(req);
      if (!viewer) await reply.header('cache-control', 'no-store').redirect('/dashboard/login', 303);
      return viewer;
    };

    const section = (path: string, title: string, name: Section, body: (req: FastifyRequest) => Promise<{ body: Html; refresh?: boolean }>) => {
      scope.get(path, async (req, reply) => {
        const viewer = await viewerOr(req, reply);
        if (!viewer) return reply;
        const { body: content, refresh } = await body(req);
        return sendPage(reply, 200, page({ title, section: name, viewer, ...(refresh ? { refreshSeconds: REFRESH_SECONDS } : {}) }, content));
      });
    };
    section('/dashboard', 'Overview', 'overview', async (req) => ({ body: await overviewBody(deps, req.query as { scan?: string; days?: string }) }));
    section('/dashboard/violations', 'Violations', 'violations', async (req) => ({ body: await violationsBody(deps, req.query as ViolationsQuery) }));
    section('/dashboard/scans', 'Scans', 'scans', () => scansBody(deps));

    scope.get('/dashboard/login', async (req, reply) => {
      if (!opts.authRequired) return reply.redirect('/dashboard', 303);
      return sendPage(reply, 200, loginPage(sessions.loginToken(req, reply)));
    });

    scope.post('/dashboard/login', async (req, reply) => {
      if (!opts.authRequired) return reply.redirect('/dashboard', 303);
      const form = formOf(req);
      if (!sessions.loginTokenValid(req, form.csrf)) {
        return sendPage(reply, 403, loginPage(sessions.loginToken(req, reply),
          'The login form expired or did not come from this page (CSRF check failed): try again.'));
      }
      const credential = (form.key ?? '').trim();
      const verdict = credential && credential.length <= MAX_CREDENTIAL && /^[\x21-\x7e]+$/.test(credential)
        ? await opts.authenticate(`Bearer ${credential}`, req.headers.host)
        : { ok: false as const, message: 'Unauthorized: enter an API key or an OAuth access token' };
      if (!verdict.ok) {
        log.info({ event: 'dashboard_login_refused', ip: req.ip }, 'dashboard login refused');
        await deps.store.recordAudit({ tool: 'dashboard_login', outcome: 'refused', params: { client: req.ip }, error: verdict.message });
        return sendPage(reply, 401, loginPage(sessions.loginToken(req, reply), 'That key or token is not accepted.'));
      }
      await sessions.start(req, reply, verdict.actor);
      log.info({ event: 'dashboard_login', actor: verdict.actor }, 'dashboard login');
      await deps.store.recordAudit({ actor: verdict.actor, tool: 'dashboard_login', outcome: 'ok', params: { client: req.ip } });
      return reply.header('cache-control', 'no-store').redirect('/dashboard', 303);
    });

    scope.post('/dashboard/logout', async (req, reply) => {
      if (!opts.authRequired) return reply.redirect('/dashboard', 303);
      const viewer = await sessions.viewerOf(req);
      if (!viewer) return reply.redirect('/dashboard/login', 303);
      if (!viewer.csrf || !sameToken(formOf(req).csrf, viewer.csrf)) {
        return sendPage(reply, 403, page({ title: 'Forbidden', viewer }, html`<p class="error">Missing or wrong CSRF token: use the Log out button of a dashboard page.</p>`));
      }
      await sessions.end(req, reply, viewer);
      await deps.store.recordAudit({ actor: viewer.actor, tool: 'dashboard_logout', outcome: 'ok' });
      return reply.redirect('/dashboard/login', 303);
    });
  });
}

function formOf(req: FastifyRequest): Form {
  const body = req.body;
  return body && typeof body === 'object' ? (body as Form) : {};
}

function loginPage(csrf: string, problem?: string): Html {
  return page({ title: 'Log in' }, html`<form method="post" action="/dashboard/login" class="login">
${problem ? html`<p class="error" data-testid="login-error">${problem}</p>` : ''}
<label for="key">API key or OAuth access token</label>
<input type="password" id="key" name="key" autocomplete="off" required>
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit">Log in</button>
<p class="muted">The key is checked once and never stored; the session lasts until you log out or it expires.</p>
</form>`);
}
