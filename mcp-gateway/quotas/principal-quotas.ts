// Quotas per principal (the call guard's principal string: `key:<hash>`, `sub:…`, `ip:…`,
// `local:stdio`): tool calls per minute and scans started per UTC day, in fixed windows counted in
// shared storage so that every replica agrees. A refusal names the limit and its config key and
// says when to retry, in the text and as `_meta.retry_after_seconds`.
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import type { QuotaName, QuotaWindow } from '../../store/index.js';
import { ToolError } from '../errors.js';
import { principalDigest } from '../guard/fingerprint.js';
import type { QuotaCounters } from './counters.js';

export type QuotaConfig = Config['gateway']['quotas'];

export interface QuotaLimits {
  /** 0: no limit. */
  callsPerMinute: number;
  scansPerDay: number;
}

const WINDOW_MS: Record<QuotaName, number> = { calls: 60_000, scans: 86_400_000 };
const CONFIG_KEY: Record<QuotaName, string> = { calls: 'gateway.quotas.callsPerMinute', scans: 'gateway.quotas.scansPerDay' };
const LIMIT_KEY: Record<QuotaName, keyof QuotaLimits> = { calls: 'callsPerMinute', scans: 'scansPerDay' };

/** The fixed window holding `now`: minutes and UTC days both align to the epoch. */
export function quotaWindow(quota: QuotaName, now: number): { startMs: number; endMs: number } {
  const size = WINDOW_MS[quota];
  const startMs = Math.floor(now / size) * size;
  return { startMs, endMs: startMs + size };
}

/** A refused call: the audit row's outcome is `quota_exceeded`. */
export class QuotaExceeded extends ToolError {
  constructor(readonly quota: QuotaName, readonly limit: number, readonly retryAt: number, now: number) {
    const seconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
    const at = new Date(retryAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const what = quota === 'calls' ? `${limit} tool calls per minute` : `${limit} new scans per UTC day`;
    const instead = quota === 'calls'
      ? 'Wait, and do not repeat calls whose answer you already have.'
      : 'Until then, cached results and scans already running still answer (check_tag_compliance without force_refresh, get_scan_status).';
    super(`quota exceeded: ${what} for this principal (${CONFIG_KEY[quota]}). Retry in ${seconds} s (at ${at}). ${instead}`, {
      quota: { name: LIMIT_KEY[quota], limit, config_key: CONFIG_KEY[quota], window: quota === 'calls' ? 'minute' : 'UTC day' },
      retry_after_seconds: seconds,
      retry_at: at,
    }, 'quota_exceeded');
  }
}

/** A scan unit taken before a start; given back when the start joined a running scan or failed. */
export interface ScanReservation {
  release(): Promise<void>;
}

const NOTHING_RESERVED: ScanReservation = { release: async () => {} };

/** One principal's view of the quotas: what a server instance and its tools hold. */
export interface PrincipalQuota {
  readonly principal: string;
  /** Counts a tool call, or throws QuotaExceeded. */
  admitCall(): Promise<void>;
  /** Takes one of today's scans, or throws QuotaExceeded; release() it when no new scan started. */
  reserveScan(): Promise<ScanReservation>;
}

export interface PrincipalQuotasOptions {
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
  /** How often this replica sweeps ended windows. Default 10 min. */
  sweepEveryMs?: number;
}

export class PrincipalQuotas {
  private readonly now: () => number;
  private nextSweep: number;

  constructor(private readonly counters: QuotaCounters, private readonly config: QuotaConfig, private readonly opts: PrincipalQuotasOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.nextSweep = this.now() + (opts.sweepEveryMs ?? 600_000);
  }

  get store(): QuotaCounters['kind'] {
    return this.counters.kind;
  }

  /**
   * The principal's limits: its own entry of gateway.quotas.perPrincipal (the principal as the
   * guard names it, or for an API key its audit identity `key:` + 8 hex characters), else the defaults.
   */
  limitsOf(principal: string): QuotaLimits {
    const own = this.config.perPrincipal[principal] ?? (principal.startsWith('key:')
      ? Object.entries(this.config.perPrincipal).find(([k]) => k.startsWith('key:') && k.length >= 12 && principal.startsWith(k))?.[1]
      : undefined);
    return {
      callsPerMinute: own?.callsPerMinute ?? this.config.callsPerMinute,
      scansPerDay: own?.scansPerDay ?? this.config.scansPerDay,
    };
  }

  for(principal: string): PrincipalQuota {
    const limits = this.limitsOf(principal);
    // Hashed when first counted: with a quota off (limit 0) nothing is.
    let digest: string | undefined;
    const digestOf = () => (digest ??= principalDigest({ principal }));
    return {
      principal,
      admitCall: async () => { await this.take('calls', digestOf, limits.callsPerMinute); },
      reserveScan: async () => {
        const window = await this.take('scans', digestOf, limits.scansPerDay);
        return window ? { release: () => this.giveBack(window) } : NOTHING_RESERVED;
      },
    };
  }

  close(): Promise<void> {
    return this.counters.close();
  }

  /** The window a unit was taken from, or undefined when the quota is off or the counters failed (fail-open). */
  private async take(quota: QuotaName, digestOf: () => string, limit: number): Promise<QuotaWindow | undefined> {
    if (limit <= 0) return undefined;
    const now = this.now();
    const { startMs, endMs } = quotaWindow(quota, now);
    const window: QuotaWindow = { quota, principalDigest: digestOf(), windowStartMs: startMs };
    let admitted: boolean;
    try {
      ({ admitted } = await this.counters.take({ ...window, expiresAtMs: endMs, limit }));
    } catch (err) {
      // As the call guard does: an outage of the counter store must not stop every tool.
      this.opts.logger?.warn({ err: String(err), store: this.counters.kind, quota }, 'quotas: counters unreachable; call admitted');
      return undefined;
    }
    this.maybeSweep(now);
    if (!admitted) throw new QuotaExceeded(quota, limit, endMs, now);
    return window;
  }

  private async giveBack(window: QuotaWindow): Promise<void> {
    await this.counters.giveBack(window).catch((err: unknown) => {
      this.opts.logger?.warn({ err: String(err), store: this.counters.kind }, 'quotas: giving back a scan unit failed');
    });
  }

  private maybeSweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + (this.opts.sweepEveryMs ?? 600_000);
    this.counters.sweep(now).catch((err: unknown) => {
      this.opts.logger?.warn({ err: String(err), store: this.counters.kind }, 'quotas: sweep failed');
    });
  }
}
