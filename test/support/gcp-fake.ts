// A local Cloud Asset API for tests: `GET /v1/{scope}:searchAllResources` in the REST shape the
// SDK's fallback transport speaks, over a seeded inventory, paged with `nextPageToken`. It records
// every request (path and query) and can answer the next calls with an error status.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One seeded resource, as Cloud Asset returns a ResourceSearchResult. */
export interface FakeAsset {
  name: string;
  assetType: string;
  project: string;
  location: string;
  displayName?: string;
  labels?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization?: string;
}

export interface GcpFake {
  port: number;
  requests: RecordedRequest[];
  /** The next `count` searches answer `status` with Google's JSON error body. */
  failNext(status: number, grpcStatus: string, count?: number): void;
  close(): Promise<void>;
}

const GRPC_CODES: Record<string, number> = { RESOURCE_EXHAUSTED: 8, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16, INVALID_ARGUMENT: 3 };

/** `inventory` maps a scope (`projects/p`, `folders/1` …) to the resources under it. */
export async function startGcpFake(inventory: Record<string, FakeAsset[]>, accessToken: string): Promise<GcpFake> {
  const requests: RecordedRequest[] = [];
  const failures: { status: number; grpcStatus: string }[] = [];

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, grpcStatus: string, message: string) =>
    send(res, status, { error: { code: status, message, status: grpcStatus, details: [] } });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const match = /^\/v1\/([a-z]+\/[^/:]+):searchAllResources$/.exec(decodeURIComponent(url.pathname));
    if (req.method !== 'GET' || !match) return error(res, 404, 'NOT_FOUND', `no such method: ${req.method} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${accessToken}`) return error(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    const failure = failures.shift();
    if (failure) return error(res, failure.status, failure.grpcStatus, `injected ${failure.grpcStatus}`);
    const scope = match[1]!;
    const all = inventory[scope];
    if (!all) return error(res, 403, 'PERMISSION_DENIED', `The caller does not have permission on ${scope}`);
    // Only the exact-name form of the query language is spoken here: name="<full resource name>".
    const query = url.searchParams.get('query');
    const exact = query ? /^name="(.*)"$/.exec(query)?.[1] : undefined;
    if (query && exact === undefined) return error(res, 400, 'INVALID_ARGUMENT', `unsupported query: ${query}`);
    const matching = exact === undefined ? all : all.filter((a) => a.name === exact);
    const pageSize = Math.min(Number(url.searchParams.get('pageSize') ?? 500) || 500, 500);
    const token = url.searchParams.get('pageToken');
    let offset = 0;
    if (token) {
      const decoded = /^(.+)@(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
      if (!decoded || decoded[1] !== scope) return error(res, 400, 'INVALID_ARGUMENT', 'Invalid page token.');
      offset = Number(decoded[2]);
    }
    const end = offset + pageSize;
    send(res, 200, {
      results: matching.slice(offset, end),
      ...(end < matching.length ? { nextPageToken: Buffer.from(`${scope}@${end}`).toString('base64url') } : {}),
    });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    failNext(status, grpcStatus, count = 1) {
      if (!(grpcStatus in GRPC_CODES)) throw new Error(`unknown status ${grpcStatus}`);
      for (let i = 0; i < count; i++) failures.push({ status, grpcStatus });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** `count` resources in `project`: instances and buckets across two locations, every third labelled owner. */
export function seedProject(project: string, count: number): FakeAsset[] {
  return Array.from({ length: count }, (_, i): FakeAsset => {
    const bucket = i % 2 === 1;
    const location = i % 4 < 2 ? 'us-central1' : 'europe-west1';
    return {
      name: bucket ? `//storage.googleapis.com/projects/_/buckets/${project}-b${i}` : `//compute.googleapis.com/projects/${project}/zones/${location}-a/instances/vm${i}`,
      assetType: bucket ? 'storage.googleapis.com/Bucket' : 'compute.googleapis.com/Instance',
      project: `projects/${project}`,
      location,
      displayName: `${bucket ? 'b' : 'vm'}${i}`,
      labels: i % 3 === 0 ? { owner: 'team-a', env: 'prod' } : { env: 'dev' },
    };
  });
}
