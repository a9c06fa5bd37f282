// A reverse proxy in front of moto that answers chosen AWS requests with throttling or access
// denied errors, in each service's own wire protocol, or slows them down, so failure tests
// exercise the real SDK's error parsing and the product's retry, partial-failure and crash
// handling. Everything else is passed through unchanged. Point the product's AWS endpoint at
// `endpoint` instead of moto's.
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Fault =
  /** Every Nth matching request (1 = all) gets the service's throttling error. */
  | { kind: 'throttle'; every: number }
  /** Every matching request gets the service's access denied error. */
  | { kind: 'deny' }
  /** Every matching request is held for `ms`, then forwarded (makes a scan last long enough to interrupt). */
  | { kind: 'delay'; ms: number }
  /** Every matching request's body has `from` replaced by `to`, then is forwarded (e.g. AssumeRole into another account). */
  | { kind: 'rewrite'; from: string; to: string }
  /**
   * Each matching request, independently: throttled with probability `throttle`, else a 5xx
   * (500 InternalFailure / 503 ServiceUnavailable) with probability `serverError`, else forwarded.
   * Seeded, so a run is repeatable; counted as `<name>:throttle` and `<name>:5xx`.
   */
  | { kind: 'random'; throttle: number; serverError: number; seed?: number };

export interface FaultRule {
  /** Key in stats.injected; defaults to `<service or *>:<kind>`. */
  name?: string;
  /** SigV4 signing name from the credential scope: `sts`, `ec2`, `tagging`, `s3`, `rds`, ... */
  service?: string;
  /** Region from the credential scope. */
  region?: string;
  /** Substring of the X-Amz-Target header (JSON protocols), e.g. `GetResources`. */
  target?: string;
  /** Substring of the body, raw or URL-decoded, e.g. `RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111`. */
  body?: string;
  fault: Fault;
}

export interface FaultProxyStats {
  forwarded: number;
  injected: Record<string, number>;
}

export interface FaultProxy {
  endpoint: string;
  /** Live counters (the same object throughout). */
  stats: FaultProxyStats;
  /** Replaces the rules and restarts their `every` counts. */
  setRules(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

interface Signed {
  service?: string;
  region?: string;
}

const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export async function startFaultProxy(target: string, rules: FaultRule[]): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const stats: FaultProxyStats = { forwarded: 0, injected: {} };
  let active = withCounters(rules);

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = await readBody(req);
    const signed = credentialScope(req.headers, req.url ?? '/');
    const xAmzTarget = header(req.headers, 'x-amz-target');
    const text = body.toString('utf8');
    const decoded = urlDecode(text);

    const rule = active.find(({ rule: r }) =>
      (r.service === undefined || r.service === signed.service) &&
      (r.region === undefined || r.region === signed.region) &&
      (r.target === undefined || (xAmzTarget?.includes(r.target) ?? false)) &&
      (r.body === undefined || text.includes(r.body) || decoded.includes(r.body)));
    if (rule?.rule.fault.kind === 'random') {
      const { fault } = rule.rule;
      rule.matched += 1;
      const roll = rule.random!();
      const outcome = roll < fault.throttle ? 'throttle' : roll < fault.throttle + fault.serverError ? '5xx' : undefined;
      if (outcome) {
        const key = `${rule.rule.name ?? rule.rule.service ?? '*'}:${outcome}`;
        stats.injected[key] = (stats.injected[key] ?? 0) + 1;
        const action = xAmzTarget?.split('.').pop() ?? new URLSearchParams(text).get('Action') ?? 'request';
        if (outcome === 'throttle') sendFault(res, { kind: 'throttle', every: 1 }, signed.service ?? '', action, req.headers);
        else sendServerError(res, rule.matched % 2 === 0 ? 503 : 500, req.headers);
        return;
      }
    } else if (rule) {
      const { fault } = rule.rule;
      rule.matched += 1;
      if (fault.kind !== 'throttle' || rule.matched % fault.every === 0) {
        const key = rule.rule.name ?? `${rule.rule.service ?? '*'}:${fault.kind}`;
        stats.injected[key] = (stats.injected[key] ?? 0) + 1;
        if (fault.kind === 'delay') {
          await sleep(fault.ms);
        } else if (fault.kind === 'rewrite') {
          body = Buffer.from(text.split(fault.from).join(fault.to), 'utf8');
        } else {
          const action = xAmzTarget?.split('.').pop() ?? new URLSearchParams(text).get('Action') ?? 'request';
          sendFault(res, fault, signed.service ?? '', action, req.headers);
          return;
        }
      }
    }
    stats.forwarded += 1;
    await forwardRequest(req, body, res, upstream, agent);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setRules(next) {
      active = withCounters(next);
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

/** A small seeded PRNG (mulberry32): repeatable fault sequences (and bench kill points) without a dependency. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function withCounters(rules: FaultRule[]): { rule: FaultRule; matched: number; random?: () => number }[] {
  for (const r of rules) {
    if (r.fault.kind === 'throttle' && !(Number.isInteger(r.fault.every) && r.fault.every >= 1)) {
      throw new Error(`fault rule ${r.name ?? ''}: throttle.every must be a positive integer`);
    }
    if (r.fault.kind === 'delay' && !(r.fault.ms >= 0)) throw new Error(`fault rule ${r.name ?? ''}: delay.ms must be >= 0`);
    if (r.fault.kind === 'random' && !(r.fault.throttle >= 0 && r.fault.serverError >= 0 && r.fault.throttle + r.fault.serverError <= 1)) {
      throw new Error(`fault rule ${r.name ?? ''}: random throttle and serverError must be probabilities summing to at most 1`);
    }
  }
  return rules.map((rule) => ({ rule, matched: 0, ...(rule.fault.kind === 'random' ? { random: seeded(rule.fault.seed ?? 1) } : {}) }));
}

// ---- errors in each wire protocol ----------------------------------------------------------

function sendFault(res: ServerResponse, fault: Fault & { kind: 'throttle' | 'deny' }, service: string, action: string, reqHeaders: IncomingHttpHeaders): void {
  const throttle = fault.kind === 'throttle';
  const requestId = `fault-proxy-${Math.random().toString(16).slice(2, 10)}`;

  // JSON protocols (tagging, dynamodb, organizations, ...): the operation is in X-Amz-Target.
  if (header(reqHeaders, 'x-amz-target') !== undefined) {
    const contentType = header(reqHeaders, 'content-type')?.startsWith('application/x-amz-json')
      ? header(reqHeaders, 'content-type')!
      : 'application/x-amz-json-1.1';
    const body = throttle
      ? { __type: 'ThrottlingException', message: 'Rate exceeded' }
      : { __type: 'AccessDeniedException', message: `User is not authorized to perform: ${service}:${action}` };
    send(res, 400, contentType, JSON.stringify(body), requestId);
    return;
  }
  switch (service) {
    case 'ec2':
      send(res, throttle ? 400 : 403, 'text/xml', throttle
        ? ec2Error('RequestLimitExceeded', 'Request limit exceeded.', requestId)
        : ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', requestId), requestId);
      return;
    case 's3':
      send(res, throttle ? 503 : 403, 'application/xml', throttle
        ? `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>${requestId}</RequestId></Error>`
        : `<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>${requestId}</RequestId></Error>`, requestId);
      return;
    case 'lambda': {
      // REST-JSON: the error name travels in a header.
      const type = throttle ? 'TooManyRequestsException' : 'AccessDeniedException';
      res.setHeader('x-amzn-errortype', type);
      send(res, throttle ? 429 : 403, 'application/json', JSON.stringify(throttle
        ? { message: 'Rate exceeded', Type: 'User', Reason: 'CallerRateLimitExceeded' }
        : { message: 'User is not authorized to perform this operation.' }), requestId);
      return;
    }
    default:
      // AWS query protocol (sts, rds, iam, ...).
      send(res, throttle ? 400 : 403, 'text/xml', throttle
        ? queryError('Throttling', 'Rate exceeded', requestId)
        : queryError('AccessDenied', `User is not authorized to perform: ${service}:${action}`, requestId), requestId);
  }
}

/** A server-side failure the SDKs retry: JSON protocols get a typed body, the others XML. */
function sendServerError(res: ServerResponse, status: 500 | 503, reqHeaders: IncomingHttpHeaders): void {
  const requestId = `fault-proxy-${Math.random().toString(16).slice(2, 10)}`;
  const code = status === 503 ? 'ServiceUnavailable' : 'InternalFailure';
  if (header(reqHeaders, 'x-amz-target') !== undefined) {
    send(res, status, header(reqHeaders, 'content-type') ?? 'application/x-amz-json-1.1', JSON.stringify({ __type: code, message: 'injected server error' }), requestId);
    return;
  }
  send(res, status, 'text/xml', queryError(code, 'injected server error', requestId), requestId);
}

function ec2Error(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

function queryError(code: string, message: string, requestId: string): string {
  return `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

// ---- request parsing -----------------------------------------------------------------------

/** Region and service from the SigV4 credential scope: the Authorization header, or a presigned URL. */
function credentialScope(headers: IncomingHttpHeaders, url: string): Signed {
  const presigned = new URL(url, 'http://proxy').searchParams.get('X-Amz-Credential');
  const match = SCOPE.exec(header(headers, 'authorization') ?? (presigned ? `Credential=${presigned}` : ''));
  return match ? { region: match[1], service: match[2] } : {};
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function urlDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Sends a request whose body was read whole on to `upstream`, and pipes the answer back. */
export function forwardRequest(req: IncomingMessage, body: Buffer, res: ServerResponse, upstream: URL, agent: Agent): Promise<void> {
  // The body was read whole, so it goes on with a length instead of chunked framing.
  const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  return new Promise((resolve, reject) => {
    const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}
