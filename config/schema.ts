// The one configuration object every layer receives: a zod schema with defaults.
import { z } from 'zod';
import { DEFAULT_CONCURRENT_SHARDS, MAX_ACCOUNTS_PER_CALL, MAX_ARNS_PER_CALL, MAX_REGIONS_PER_CALL } from '../core/limits.js';

const port = z.coerce.number().int().min(0).max(65535);

/** A list given as an array (config.yaml) or as one comma-separated string (environment). */
const stringList = <T extends z.ZodType>(item: T) => z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item));
/** true/false from YAML, or "true"/"false"/"1"/"0"/"yes"/"no" from the environment. */
const flag = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return ['true', '1', 'yes', 'on'].includes(s) ? true : ['false', '0', 'no', 'off', ''].includes(s) ? false : v;
}, z.boolean());
/** `maxConcurrentRegions` is the old name of `maxConcurrentShards` (it always limited shards). */
const awsAliases = (v: unknown): unknown => {
  if (typeof v !== 'object' || v === null || !('maxConcurrentRegions' in v)) return v;
  const { maxConcurrentRegions, ...rest } = v as Record<string, unknown>;
  return { ...rest, maxConcurrentShards: rest.maxConcurrentShards ?? maxConcurrentRegions };
};

/** AWS: one entry of `clouds`. */
const awsSchema = z.preprocess(awsAliases, z.object({
  /** Role assumed in every member account (not in the management account). */
  crossAccountRoleName: z.string().min(1).max(64).default('OrganizationAccountAccessRole'),
  externalId: z.string().min(2).max(1224).optional(),
  /** Account whose default credential chain is used as is; discovered via STS when unset. */
  managementAccountId: z.string().regex(/^\d{12}$/).optional(),
  /** Accounts to scan when a scope names none; unset = AWS Organizations ListAccounts. */
  accounts: stringList(z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')).optional(),
  /** Regions to scan when a scope names none; unset = EC2 DescribeRegions (opted-in). */
  regions: stringList(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')).optional(),
  sessionDurationSeconds: z.coerce.number().int().min(900).max(43200).default(900),
  maxParallelAccounts: z.coerce.number().int().min(1).max(100).default(5),
  /**
   * Shard activities (one source in one account and region) an account scan runs at once. The
   * worker's own setting applies: it reaches the workflow through the planAccountShards result.
   */
  maxConcurrentShards: z.coerce.number().int().min(1).max(50).default(DEFAULT_CONCURRENT_SHARDS),
  /** Endpoint override for every AWS client (moto, LocalStack); AWS_ENDPOINT_URL also works. */
  endpoint: z.string().url().optional(),
  /** SDK attempts per call; throttling beyond them is retried by Temporal with backoff. */
  sdkMaxAttempts: z.coerce.number().int().min(1).max(10).default(3),
  /** Heartbeat timeout of a shard activity: how long a dead worker's shard waits before a retry elsewhere. */
  shardHeartbeatSeconds: z.coerce.number().int().min(3).max(600).default(20),
})).prefault({});

/**
 * The top-level `aws` block is the old spelling of `clouds.aws` (config files written before
 * `clouds`): it is folded in, and `clouds.aws` wins key by key where both are set. The
 * environment writes `clouds.aws`, so it wins over either.
 */
const legacyCloudKeys = (v: unknown): unknown => {
  if (typeof v !== 'object' || v === null || !('aws' in v)) return v;
  const { aws, ...rest } = v as Record<string, unknown>;
  const clouds = (typeof rest.clouds === 'object' && rest.clouds !== null ? rest.clouds : {}) as Record<string, unknown>;
  const current = typeof clouds.aws === 'object' && clouds.aws !== null ? clouds.aws : {};
  const old = typeof aws === 'object' && aws !== null ? aws : {};
  return { ...rest, clouds: { ...clouds, aws: { ...old, ...current } } };
};

export const configSchema = z.preprocess(legacyCloudKeys, z.object({
  temporal: z.object({
    /** host:port of a Temporal frontend. Unset: `start` runs a local dev server. */
    address: z.string().min(1).optional(),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('tag-compliance'),
    /** Explicit path to the `temporal` CLI; else PATH, then .venv-tools/bin. */
    cliPath: z.string().min(1).optional(),
    /**
     * On shutdown, running activities get this long to finish before they are cancelled (and left
     * for Temporal to retry elsewhere); the process exits at most 5 s after it, whatever is left.
     */
    workerShutdownGraceSeconds: z.coerce.number().int().min(0).max(3600).default(10),
    devServer: z.object({
      ip: z.string().default('127.0.0.1'),
      port: port.default(7233),
      uiPort: port.default(8233),
      /** SQLite file for the dev server's history; default: <dataDir>/temporal.db. */
      dbFile: z.string().optional(),
    }).prefault({}),
  }).prefault({}),
  database: z.object({
    /** PostgreSQL URL. Unset: the embedded PGlite store under dataDir. */
    url: z.string().min(1).optional(),
    poolMax: z.coerce.number().int().min(1).max(200).default(10),
  }).prefault({}),
  dataDir: z.string().default('.data'),
  policy: z.object({
    path: z.string().min(1).default('policies/default.json'),
  }).prefault({}),
  http: z.object({
    host: z.string().default('127.0.0.1'),
    port: port.default(3000),
    /** SHA-256 (hex) of each accepted API key (`Authorization: Bearer <key>` on /mcp). Empty: no auth. */
    apiKeyHashes: stringList(z.string().trim().toLowerCase().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash: 64 hex characters'))
      .default([]),
    /** Serve without API keys on a non-loopback host (only behind a proxy that authenticates). */
    allowUnauthenticated: flag.default(false),
    /** Browser origins (scheme://host[:port]) allowed to call the gateway cross-origin. Default: none. */
    corsOrigins: stringList(z.string().trim().toLowerCase().transform((s) => s.replace(/\/+$/, ''))
      .pipe(z.string().regex(/^https?:\/\/[a-z0-9.\-[\]:]+$/, 'must be an origin: scheme://host[:port], no path'))).default([]),
    /** Host header values accepted besides the bind host and localhost / 127.0.0.1 / [::1] on the port. */
    allowedHosts: stringList(z.string().trim().toLowerCase()
      .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/, 'must be host or host:port')).default([]),
    bodyLimitBytes: z.coerce.number().int().min(1024).max(100 * 1_048_576).default(1_048_576),
    /** Requests per minute per API key (per client IP when auth is off). */
    rateLimitPerMinute: z.coerce.number().int().min(1).max(1_000_000).default(600),
    /** An MCP session (2025 protocol) with no request in flight for this long is closed. */
    sessionIdleTimeoutSeconds: z.coerce.number().int().min(1).max(86_400).default(900),
    /** Open MCP sessions per API key (per client address without keys); at the cap the key's LRU idle one is closed. */
    maxSessionsPerPrincipal: z.coerce.number().int().min(1).max(100_000).default(100),
    /** Open MCP sessions per gateway process; at the cap new sessions get 503. */
    maxSessions: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  }).prefault({}),
  gateway: z.object({
    /** A completed scan of the same scope younger than this answers without a new scan. */
    cacheTtlSeconds: z.coerce.number().int().min(0).max(7 * 86_400).default(3600),
    /** A partial scan (some targets unread) answers from cache only this long, flagged partial. */
    partialCacheTtlSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
    /** Default wait of tools that may start a scan before they return a handle instead. */
    defaultWaitSeconds: z.coerce.number().min(0).max(300).default(20),
    /** Tool calls allowed per MCP session. */
    sessionCallBudget: z.coerce.number().int().min(1).max(100_000).default(100),
    /** Identical calls (same tool, same arguments) allowed within loopWindowSeconds. */
    maxIdenticalCalls: z.coerce.number().int().min(1).max(1_000_000).default(3),
    loopWindowSeconds: z.coerce.number().int().min(1).max(86_400).default(60),
    /** Per-call caps (a config may lower the hard caps in core/limits.ts, never raise them). */
    maxAccountsPerCall: z.coerce.number().int().min(1).max(MAX_ACCOUNTS_PER_CALL).default(MAX_ACCOUNTS_PER_CALL),
    maxRegionsPerCall: z.coerce.number().int().min(1).max(MAX_REGIONS_PER_CALL).default(MAX_REGIONS_PER_CALL),
    maxArnsPerCall: z.coerce.number().int().min(1).max(MAX_ARNS_PER_CALL).default(MAX_ARNS_PER_CALL),
  }).prefault({}),
  /** One entry per cloud the workers scan; each cloud's settings stay its own (limits, concurrency, credentials). */
  clouds: z.object({
    aws: awsSchema,
  }).prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}));

export type Config = z.output<typeof configSchema>;
export type AwsConfig = Config['clouds']['aws'];
