// Dashboard sessions: a random id in an HttpOnly, SameSite=Strict cookie scoped to /dashboard;
// the database keeps only its SHA-256 (store/dashboard-sessions.ts), so sessions survive a replica
// change and a leaked table cannot be replayed. Chosen over signed stateless cookies because
// logout must end the session everywhere and no extra secret has to be configured and rotated.
// CSRF: SameSite=Strict, plus a token on every POST: derived from the session id (an HMAC, so
// nothing more to store) once logged in, and a double-submit cookie on the login form itself.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../store/index.js';

export const SESSION_COOKIE = 'ftc_dashboard';
export const LOGIN_COOKIE = 'ftc_dashboard_login';
const COOKIE_PATH = '/dashboard';
const LOGIN_FORM_SECONDS = 15 * 60;

export interface Viewer {
  actor: string;
  /** The token POST forms must carry; null when the dashboard runs without authentication. */
  csrf: string | null;
  /** The session's id hash, for logout; null without authentication. */
  sessionHash: string | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const csrfOf = (sessionId: string) => createHmac('sha256', sessionId).update('dashboard-csrf').digest('base64url');

/** Equal strings, compared in time independent of where they differ. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Secure when the browser reached us over https (directly or through a proxy saying so). */
function secure(req: FastifyRequest): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  return req.protocol === 'https' || (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim().toLowerCase() === 'https');
}

function cookie(req: FastifyRequest, name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}`;
}

function appendCookie(reply: FastifyReply, value: string): void {
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, value]);
}

export class DashboardSessions {
  constructor(private readonly store: Pick<Store, 'createDashboardSession' | 'findDashboardSession' | 'deleteDashboardSession'>,
    private readonly ttlSeconds: number) {}

  /** The logged-in viewer of a request, or undefined. */
  async viewerOf(req: FastifyRequest): Promise<Viewer | undefined> {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return undefined;
    const hash = sha256(id);
    const session = await this.store.findDashboardSession(hash);
    return session && { actor: session.actor, csrf: csrfOf(id), sessionHash: hash };
  }

  /** Starts a session for `actor` and sets its cookie; the credential that proved it is never stored. */
  async start(req: FastifyRequest, reply: FastifyReply, actor: string): Promise<void> {
    const id = randomBytes(32).toString('base64url');
    await this.store.createDashboardSession(sha256(id), actor, this.ttlSeconds);
    appendCookie(reply, cookie(req, SESSION_COOKIE, id, this.ttlSeconds));
    appendCookie(reply, cookie(req, LOGIN_COOKIE, 'x'.repeat(16), 0));
  }

  async end(req: FastifyRequest, reply: FastifyReply, viewer: Viewer): Promise<void> {
    if (viewer.sessionHash) await this.store.deleteDashboardSession(viewer.sessionHash);
    appendCookie(reply, cookie(req, SESSION_COOKIE, 'x'.repeat(16), 0));
  }

  /** A fresh login-form token, set as a cookie too: the POST must bring both (double submit). */
  loginToken(req: FastifyRequest, reply: FastifyReply): string {
    const token = readCookie(req, LOGIN_COOKIE) ?? randomBytes(24).toString('base64url');
    appendCookie(reply, cookie(req, LOGIN_COOKIE, token, LOGIN_FORM_SECONDS));
    return token;
  }

  loginTokenValid(req: FastifyRequest, submitted: string | undefined): boolean {
    return sameToken(readCookie(req, LOGIN_COOKIE), submitted);
  }
}
