// The HTTP gateway's MCP sessions (2025 protocol): each holds a server and its transport in this
// process's memory, so they are bounded: an idle timeout, a cap per principal (API key, else client
// address) and a cap in total. Closing a session closes its server and transport and drops every
// reference to them, so a closed or expired session costs nothing.
import type { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { GatewayServer } from '../server.js';
import type { Logger } from '../../config/logger.js';
import { HttpError, RPC } from './errors.js';

export interface SessionLimits {
  /** A session with no request in flight for this long is closed. */
  idleTimeoutMs: number;
  /** Open sessions per principal; at the cap, the principal's least recently used idle session is closed. */
  maxPerPrincipal: number;
  /** Open sessions in this process; at the cap, new sessions are refused (503). */
  maxTotal: number;
}

export interface Session {
  readonly id: string;
  readonly server: GatewayServer;
  readonly transport: NodeStreamableHTTPServerTransport;
  /** The key identity that opened the session; only that key may use it. */
  readonly actor: string | undefined;
  /** Whom the caps count against: the actor, else `ip:<client address>`. */
  readonly principal: string;
  lastUsed: number;
  /** Requests in flight, open SSE streams included: a session with one is never idle. */
  active: number;
}

export type CloseReason = 'deleted' | 'idle' | 'evicted' | 'failed' | 'shutdown';

export class SessionRegistry {
  /** In least-recently-used order: `begin` moves a session to the end. */
  private readonly sessions = new Map<string, Session>();
  private readonly perPrincipal = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly limits: SessionLimits,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // Sweep often enough that a session outlives its timeout by at most a quarter of it (30 s at most).
    const every = Math.min(Math.max(Math.floor(limits.idleTimeoutMs / 4), 100), 30_000);
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  countOf(principal: string): number {
    return this.perPrincipal.get(principal) ?? 0;
  }

  /** The session with this id if `actor` opened it; a session of another key is invisible. */
  find(id: string, actor: string | undefined): Session | undefined {
    const session = this.sessions.get(id);
    return session && session.actor === actor ? session : undefined;
  }

  /**
   * Makes room for one more session of `principal`, closing its least recently used idle session
   * when it is at its cap. Throws an HttpError (429 or 503) naming the limit when there is no room.
   */
  makeRoom(principal: string, describePrincipal: string): void {
    if (this.countOf(principal) >= this.limits.maxPerPrincipal) {
      const idle = [...this.sessions.values()].find((s) => s.principal === principal && s.active === 0);
      if (!idle) {
        throw new HttpError(429, RPC.rateLimited,
          `Too Many Requests: ${describePrincipal} has ${this.limits.maxPerPrincipal} MCP sessions open and busy, the limit ` +
          '(http.maxSessionsPerPrincipal, MAX_SESSIONS_PER_PRINCIPAL); close one with DELETE /mcp or retry later', { 'Retry-After': '60' });
      }
      void this.close(idle.id, 'evicted');
    }
    if (this.sessions.size >= this.limits.maxTotal) {
      throw new HttpError(503, RPC.serverError,
        `Service Unavailable: this gateway holds ${this.limits.maxTotal} MCP sessions, its limit (http.maxSessions, MAX_SESSIONS); ` +
        'retry later', { 'Retry-After': '60' });
    }
  }

  /** Registers a session before its initialize request runs, so concurrent initializes count against the caps. */
  add(session: Omit<Session, 'lastUsed' | 'active'>): Session {
    const entry: Session = { ...session, lastUsed: this.now(), active: 0 };
    this.sessions.set(entry.id, entry);
    this.perPrincipal.set(entry.principal, this.countOf(entry.principal) + 1);
    return entry;
  }

  /** A request of this session starts; call `end` when its response closes. */
  begin(session: Session): void {
    session.active++;
    session.lastUsed = this.now();
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.sessions.set(session.id, session);
    }
  }

  end(session: Session): void {
    session.active = Math.max(0, session.active - 1);
    session.lastUsed = this.now();
  }

  /** Closes the session's server and transport and forgets it. Idempotent. */
  async close(id: string, reason: CloseReason): Promise<void> {
    const session = this.forget(id);
    if (!session) return;
    this.log.debug({ sessionId: id, reason, open: this.sessions.size }, 'mcp session closed');
    try {
      await session.server.close(); // closes the transport and its streams too
    } catch (err) {
      this.log.warn({ err, sessionId: id }, 'closing an mcp session failed');
    }
  }

  /** Drops the registry's references (the transport closed on its own, or `close` runs). */
  forget(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    const left = this.countOf(session.principal) - 1;
    if (left > 0) this.perPrincipal.set(session.principal, left);
    else this.perPrincipal.delete(session.principal);
    return session;
  }

  /** Closes the sessions idle for longer than the timeout. */
  sweep(): number {
    const cutoff = this.now() - this.limits.idleTimeoutMs;
    const expired = [...this.sessions.values()].filter((s) => s.active === 0 && s.lastUsed <= cutoff);
    for (const session of expired) void this.close(session.id, 'idle');
    if (expired.length > 0) this.log.debug({ expired: expired.length, open: this.sessions.size }, 'idle mcp sessions closed');
    return expired.length;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.close(id, 'shutdown')));
  }
}
