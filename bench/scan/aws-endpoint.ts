// A fast local stand-in for AWS that speaks just enough of two wire protocols for a scan to run
// through the real SDK clients: the Resource Groups Tagging API's GetResources (JSON 1.1) over
// the synthetic inventory, and STS AssumeRole / GetCallerIdentity (query protocol, XML).
// Stateless: the caller's account comes from its SigV4 access key (STS hands out keys that
// encode the account), the region from the credential scope, the page token is an index.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Inventory, SyntheticResource } from './inventory.js';

/** The "default credential chain" of the bench: the management account's own key. */
export const BASE_CREDENTIALS = { accessKeyId: 'AKIABENCHBASE0000000', secretAccessKey: 'bench-base-secret' };
export const BASE_ACCOUNT = '000000000000';

const GET_RESOURCES = 'ResourceGroupsTaggingAPI_20170126.GetResources';
const MAX_PAGE = 100;
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

interface Caller {
  accessKeyId: string;
  account: string | undefined;
  region: string;
  service: string;
}

/** `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/tagging/aws4_request, ...` */
function callerOf(authorization: string | undefined): Caller | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  if (!m) return undefined;
  const [, accessKeyId, region, service] = m as unknown as [string, string, string, string];
  return { accessKeyId, account: accountOfKey(accessKeyId), region, service };
}

/** Session keys are ASIA + the 12-digit account + BNCH: 20 characters, like real ones. */
export function sessionKeyOf(account: string): string {
  return `ASIA${account}BNCH`;
}

function accountOfKey(accessKeyId: string): string | undefined {
  if (accessKeyId === BASE_CREDENTIALS.accessKeyId) return BASE_ACCOUNT;
  return /^ASIA(\d{12})BNCH$/.exec(accessKeyId)?.[1];
}

class AwsError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export function createAwsEndpoint(inventory: Inventory): http.Server {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const json = typeof target === 'string' || String(req.headers['content-type']).includes('json');
      try {
        const body = Buffer.concat(chunks).toString('utf8');
        const caller = callerOf(req.headers.authorization);
        if (!caller) throw new AwsError('MissingAuthenticationToken', `unsigned request: ${req.method} ${req.url}`, 403);
        if (json) {
          if (target !== GET_RESOURCES) throw new AwsError('UnknownOperationException', `the bench endpoint does not support ${String(target)}`);
          send(res, 200, 'application/x-amz-json-1.1', JSON.stringify(getResources(inventory, caller, JSON.parse(body || '{}'))));
          return;
        }
        send(res, 200, 'text/xml', sts(inventory, caller, new URLSearchParams(body)));
      } catch (err) {
        const e = err instanceof AwsError ? err : new AwsError('InternalFailure', (err as Error).message, 500);
        if (json) send(res, e.status, 'application/x-amz-json-1.1', JSON.stringify({ __type: e.code, message: e.message }));
        else send(res, e.status, 'text/xml', queryError(e));
      }
    });
  });
  // Longer than the SDK agent's idle sockets live, so a reused socket is never closed under a request.
  server.keepAliveTimeout = 120_000;
  return server;
}

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

interface GetResourcesInput {
  ResourcesPerPage?: number;
  PaginationToken?: string;
  ResourceTypeFilters?: string[];
  ResourceARNList?: string[];
  TagFilters?: unknown[];
}

function getResources(inventory: Inventory, caller: Caller, input: GetResourcesInput) {
  if (!caller.account || !inventory.accounts.includes(caller.account)) {
    throw new AwsError('AccessDeniedException', `access key ${caller.accessKeyId} may not read account ${caller.account ?? 'unknown'}`);
  }
  if (input.ResourceARNList || input.TagFilters) {
    throw new AwsError('InvalidParameterException', 'the bench endpoint supports GetResources without ResourceARNList or TagFilters only');
  }
  const size = input.ResourcesPerPage ?? MAX_PAGE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw new AwsError('InvalidParameterException', `ResourcesPerPage must be 1..${MAX_PAGE}, got ${size}`);
  }
  const token = input.PaginationToken || '0';
  if (!/^\d+$/.test(token)) throw new AwsError('InvalidParameterException', `bad PaginationToken ${JSON.stringify(token)}`);
  const filters = input.ResourceTypeFilters ?? [];
  const count = inventory.count(caller.account, caller.region);
  const list: { ResourceARN: string; Tags: SyntheticResource['tags'] }[] = [];
  let i = Number(token);
  for (; i < count && list.length < size; i++) {
    const r = inventory.resource(caller.account, caller.region, i);
    if (filters.length > 0 && !filters.some((f) => f === r.type || f === r.type.split(':')[0])) continue;
    list.push({ ResourceARN: r.arn, Tags: r.tags });
  }
  return { ResourceTagMappingList: list, PaginationToken: i < count ? String(i) : '' };
}

function sts(inventory: Inventory, caller: Caller, form: URLSearchParams): string {
  const action = form.get('Action');
  if (caller.service !== 'sts' || (action !== 'AssumeRole' && action !== 'GetCallerIdentity')) {
    throw new AwsError('InvalidAction', `the bench endpoint does not support ${caller.service}:${action ?? '(no Action)'}`);
  }
  if (!caller.account) throw new AwsError('InvalidClientTokenId', `unknown access key ${caller.accessKeyId}`, 403);
  if (action === 'GetCallerIdentity') {
    return `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>` +
      `<Arn>arn:aws:iam::${caller.account}:user/bench</Arn><UserId>AIDABENCH${caller.account}</UserId><Account>${caller.account}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  }
  const roleArn = form.get('RoleArn') ?? '';
  const m = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@/-]+)$/.exec(roleArn);
  if (!m) throw new AwsError('ValidationError', `RoleArn ${JSON.stringify(roleArn)} is not a role ARN`);
  const [, account, role] = m as unknown as [string, string, string];
  if (!inventory.accounts.includes(account)) throw new AwsError('AccessDenied', `not authorized to assume ${roleArn}`, 403);
  const session = form.get('RoleSessionName') ?? 'session';
  const expiration = new Date(Date.now() + 3600_000).toISOString();
  return `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>${sessionKeyOf(account)}</AccessKeyId><SecretAccessKey>bench-session-secret-${account}</SecretAccessKey>` +
    `<SessionToken>bench-session-token-${account}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
    `<AssumedRoleUser><AssumedRoleId>AROABENCH${account}:${escapeXml(session)}</AssumedRoleId>` +
    `<Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(role)}/${escapeXml(session)}</Arn></AssumedRoleUser>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

function queryError(e: AwsError): string {
  return `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${e.code}</Code>` +
    `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
