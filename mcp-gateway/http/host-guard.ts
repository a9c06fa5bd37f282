// DNS-rebinding protection: the Host header must name this server, and an Origin header, when a
// browser sends one, must be an allowed CORS origin or this same host.

export interface HostPort {
  hostname: string;
  port?: number;
}

const HOST_RE = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;

/** Splits `host[:port]` (IPv6 in brackets); undefined for anything else (userinfo, paths, spaces). */
export function parseHostPort(value: string): HostPort | undefined {
  const match = HOST_RE.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname: match[1]!, ...(port === undefined ? {} : { port }) };
}

/** How a literal address appears in a Host header: IPv6 in brackets, IPv4-mapped IPv6 unwrapped. */
function hostnameOf(address: string): string {
  const a = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  return a.includes(':') ? `[${a}]` : a;
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', '']);

export interface HostGuardOptions {
  /** The configured bind host (http.host). */
  bindHost: string;
  /** The configured port (http.port); 0 means only the port actually listened on counts. */
  port: number;
  /** Extra Host values (http.allowedHosts): `name` accepts any port, `name:port` only that one. */
  allowedHosts: readonly string[];
  /** http.corsOrigins, normalised (lowercase, no trailing slash). */
  corsOrigins: readonly string[];
}

export interface GuardRequest {
  host: string | undefined;
  origin: string | undefined;
  /** The local address and port of the connection the request came in on. */
  localAddress: string | undefined;
  localPort: number | undefined;
}

export class HostGuard {
  private readonly defaultNames: Set<string>;
  private readonly anyPort = new Set<string>();
  private readonly exact = new Set<string>();
  private readonly origins: Set<string>;

  constructor(private readonly opts: HostGuardOptions) {
    this.defaultNames = new Set(['localhost', '127.0.0.1', '[::1]']);
    if (!WILDCARD_BINDS.has(opts.bindHost.trim())) this.defaultNames.add(hostnameOf(opts.bindHost.trim()));
    for (const entry of opts.allowedHosts) {
      const parsed = parseHostPort(entry);
      if (!parsed) throw new Error(`http.allowedHosts: "${entry}" is not host or host:port`);
      if (parsed.port === undefined) this.anyPort.add(parsed.hostname);
      else this.exact.add(`${parsed.hostname}:${parsed.port}`);
    }
    this.origins = new Set(opts.corsOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  }

  /** Undefined when the request may proceed, else the reason it may not (for a 403). */
  check(req: GuardRequest): string | undefined {
    if (!req.host) return 'Forbidden: missing Host header';
    const host = parseHostPort(req.host);
    if (!host || !this.hostAllowed(host, req)) {
      return `Forbidden: Host header "${printable(req.host)}" is not allowed; add it to http.allowedHosts (ALLOWED_HOSTS) ` +
        'if clients reach the gateway under that name';
    }
    if (req.origin !== undefined && !this.originAllowed(req.origin, req.host)) {
      return `Forbidden: Origin "${printable(req.origin)}" is not allowed; add it to http.corsOrigins (CORS_ORIGINS) ` +
        'to let that web page call the gateway';
    }
    return undefined;
  }

  private hostAllowed(host: HostPort, req: GuardRequest): boolean {
    if (this.anyPort.has(host.hostname)) return true;
    const port = host.port ?? 80;
    if (this.exact.has(`${host.hostname}:${port}`)) return true;
    const ownPort = port === req.localPort || (this.opts.port !== 0 && port === this.opts.port);
    if (!ownPort) return false;
    // The address the connection arrived on is safe too: an IP literal cannot be rebound.
    return this.defaultNames.has(host.hostname) || (req.localAddress !== undefined && host.hostname === hostnameOf(req.localAddress));
  }

  private originAllowed(origin: string, hostHeader: string): boolean {
    const normalised = origin.trim().toLowerCase();
    if (this.origins.has(normalised)) return true;
    let url: URL;
    try {
      url = new URL(normalised);
    } catch {
      return false; // includes "null" (sandboxed frames, file://)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const sameHost = parseHostPort(hostHeader);
    const originHost = parseHostPort(url.host);
    if (!sameHost || !originHost) return false;
    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    return originHost.hostname === sameHost.hostname && (originHost.port ?? defaultPort) === (sameHost.port ?? defaultPort);
  }
}

/** Echo of a header in an error message: printable ASCII only, bounded. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}...` : clean;
}
