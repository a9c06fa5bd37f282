// A recording reverse proxy for AWS requests: it logs every request (service, operation, body)
// in arrival order and can hold chosen requests until released, so a test can stop a scan at an
// exact page and read afterwards which page tokens each attempt sent. It sits in front of the
// fault proxy (or moto) and forwards everything else unchanged.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest } from './fault-proxy.js';

export interface LoggedRequest {
  /** Position in the whole log, from 0. */
  seq: number;
  /** Date.now() on arrival. */
  at: number;
  /** SigV4 signing name (`dynamodb`, `tagging`, `sts`, ...). */
  service?: string;
  region?: string;
  /** X-Amz-Target's operation (JSON protocols) or the query protocol's Action. */
  operation?: string;
  body: string;
}

export type HoldPredicate = (req: LoggedRequest) => boolean;

export interface RequestLog {
  endpoint: string;
  /** Where requests go; set before the first request arrives. */
  setTarget(target: string): void;
  entries: LoggedRequest[];
  /** Requests matching `pred` (evaluated on arrival) wait until release(); undefined stops holding new ones. */
  hold(pred: HoldPredicate | undefined): void;
  /** Requests currently held. */
  held(): LoggedRequest[];
  /** Forwards every held request. */
  release(): void;
  stop(): Promise<void>;
}

const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export async function startRequestLog(target?: string): Promise<RequestLog> {
  let upstream = target ? new URL(target) : undefined;
  const agent = new Agent({ keepAlive: true });
  const entries: LoggedRequest[] = [];
  let holdPred: HoldPredicate | undefined;
  const waiting = new Map<LoggedRequest, () => void>();

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`request log: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    const auth = req.headers.authorization ?? '';
    const scope = SCOPE.exec(Array.isArray(auth) ? auth[0]! : auth);
    const xTarget = req.headers['x-amz-target'] as string | undefined;
    const entry: LoggedRequest = {
      seq: entries.length, at: Date.now(), service: scope?.[2], region: scope?.[1],
      operation: xTarget?.split('.').pop() ?? (new URLSearchParams(text).get('Action') ?? undefined),
      body: text,
    };
    entries.push(entry);
    if (holdPred?.(entry)) {
      await new Promise<void>((resolve) => waiting.set(entry, resolve));
      if (res.destroyed || req.socket.destroyed) return; // the caller died while held: forward nothing
    }
    if (!upstream) throw new Error('request log has no target');
    await forwardRequest(req, body, res, upstream, agent);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const release = () => {
    const all = [...waiting.values()];
    waiting.clear();
    for (const go of all) go();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setTarget(next) { upstream = new URL(next); },
    entries,
    hold(pred) { holdPred = pred; },
    held: () => [...waiting.keys()],
    release,
    async stop() {
      holdPred = undefined;
      release();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
