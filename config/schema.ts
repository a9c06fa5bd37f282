// The one configuration object every layer receives: a zod schema with defaults.
import { z } from 'zod';
import { authModeSchema, oauthSchema } from './oauth-schema.js';
import { DEFAULT_CONCURRENT_SHARDS, MAX_ACCOUNTS_PER_CALL, MAX_ARNS_PER_CALL, MAX_REGIONS_PER_CALL } from '../core/limits.js';

const port = z.coerce.number().int().min(0).max(65535);
/** local@domain with no spaces or control characters (so no header injection), as SMTP and a header accept it. */
const mailbox = z.string().trim().max(254).regex(/^[^\s@<>,;"\\\p{Cc}]+@[a-z0-9.-]+$/iu, 'must be an email address such as ops@example.com');

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
  /**
   * Call budget of each worker process, per account and Region (AWS throttles per account and Region):
   * sustained calls per second and burst; 0 turns it off. EC2's documented non-mutating (Describe*)
   * bucket refills at 20/s; see README "Cloud call budgets".
   */
  callsPerSecondPerAccountRegion: z.coerce.number().min(0).max(10_000).default(20),
  callBurst: z.coerce.number().int().min(1).max(10_000).default(40),
  /** Heartbeat timeout of a shard activity: how long a dead worker's shard waits before a retry elsewhere. */
  shardHeartbeatSeconds: z.coerce.number().int().min(3).max(600).default(20),
  /** Cost Explorer (get_cost_attribution_gap and the cost figures of the other tools). */
  costExplorer: z.object({
    /** The management (payer) account whose Cost Explorer sees every linked account; unset: the default credentials' account. */
    accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    /** Endpoint override for Cost Explorer only (tests); else `endpoint`. */
    endpoint: z.string().url().optional(),
    /** Cost Explorer answers are reused this long (each request is billed $0.01; CE refreshes a few times a day). */
    cacheTtlSeconds: z.coerce.number().int().min(0).max(7 * 86_400).default(6 * 3600),
    /** Ask GetCostAndUsageWithResources for EC2 and RDS (needs the resource-level data opt-in). */
    resourceLevel: flag.default(true),
  }).prefault({}),
})).prefault({});

/** Azure: one entry of `clouds`. No credential configured: the Azure part of a scan fails, naming what to set. */
const azureSchema = z.object({
  /** Subscriptions to scan when a scope names none; unset = every subscription the credential can list. */
  subscriptions: stringList(z.string().regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, 'must be a subscription id (a GUID)')).optional(),
  /** A service principal (Reader on the subscriptions); all three, or useDefaultCredential. */
  tenantId: z.string().min(1).max(100).optional(),
  clientId: z.string().min(1).max(100).optional(),
  clientSecret: z.string().min(1).max(1000).optional(),
  /** DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI …); opt-in, as it probes the instance metadata service. */
  useDefaultCredential: flag.default(false),
  /** ARM endpoint (sovereign clouds, tests); default https://management.azure.com. */
  endpoint: z.string().url().optional(),
  /** Entra ID authority (sovereign clouds, tests); default https://login.microsoftonline.com. */
  authorityHost: z.string().url().optional(),
  /** PEM file of extra CA certificates trusted for ARM and sign-in (a TLS-inspecting proxy, tests). */
  caFile: z.string().min(1).optional(),
  maxConcurrentShards: z.coerce.number().int().min(1).max(50).default(DEFAULT_CONCURRENT_SHARDS),
  /** SDK retries per call (429s wait for Retry-After); beyond them Temporal retries after Retry-After. */
  sdkMaxRetries: z.coerce.number().int().min(0).max(10).default(3),
  /** ARM calls per second and burst per subscription, per worker process (ARM's read bucket: 250, refilled 25/s); 0 = off. */
  callsPerSecondPerSubscription: z.coerce.number().min(0).max(10_000).default(20),
  callBurst: z.coerce.number().int().min(1).max(10_000).default(100),
}).prefault({});

/** GCP: one entry of `clouds`. Credentials are Application Default Credentials (see useMetadataServer). */
const gcpSchema = z.object({
  /** Cloud Asset scopes to scan: organizations/N, folders/N, projects/P (Cloud Asset Viewer on each). */
  scopes: stringList(z.string().trim().regex(/^(organizations|folders|projects)\/[^/\s]+$/, 'must be organizations/N, folders/N or projects/P')).default([]),
  /** A service account key file; unset: GOOGLE_APPLICATION_CREDENTIALS, then gcloud's application-default login. */
  keyFile: z.string().min(1).optional(),
  /** Also ask the GCE metadata server for credentials (on GCP with an attached service account); opt-in, as it probes the network. */
  useMetadataServer: flag.default(false),
  /** Cloud Asset endpoint overrides (tests, private endpoints); default cloudasset.googleapis.com:443 over https. */
  apiEndpoint: z.string().min(1).optional(),
  port: port.optional(),
  protocol: z.enum(['http', 'https']).optional(),
  /** Results per searchAllResources page; the API caps it at 500. */
  pageSize: z.coerce.number().int().min(1).max(500).default(500),
  maxConcurrentShards: z.coerce.number().int().min(1).max(50).default(DEFAULT_CONCURRENT_SHARDS),
  /** Cloud Asset calls per second and burst of each worker process (SearchAllResources: 400/min per consumer project); 0 = off. */
  callsPerSecond: z.coerce.number().min(0).max(10_000).default(6),
  callBurst: z.coerce.number().int().min(1).max(10_000).default(10),
}).prefault({});

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
    /** Temporal Web UI base URL, for the dashboard's links to runs; unset: the dev server's (http://<devServer.ip>:<devServer.uiPort>). */
    uiUrl: z.string().url().transform((s) => s.replace(/\/+$/, '')).optional(),
    /**
     * On shutdown, running activities get this long to finish before they are cancelled (and left
     * for Temporal to retry elsewhere); the process exits at most 5 s after it, whatever is left.
     */
    workerShutdownGraceSeconds: z.coerce.number().int().min(0).max(3600).default(10),
    /** Activities (mostly shards, I/O-bound, a few MB each) one worker runs at once; see README "Worker concurrency". */
    maxConcurrentActivities: z.coerce.number().int().min(1).max(1000).default(50),
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
    /**
     * Where the active policy comes from: the file at `path` (default), or AWS Organizations,
     * whose effective tag policy policySync imports at startup and on a schedule (the file stays
     * in force until a first import succeeds, and whenever one fails).
     */
    source: z.enum(['file', 'aws-organizations']).default('file'),
    sync: z.object({
      /** How often the policySync schedule runs. */
      intervalHours: z.coerce.number().min(0.25).max(24 * 7).default(6),
      /** Account (or OU) whose effective tag policy is imported; default: the management account. */
      targetId: z.string().regex(/^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
        'must be an account id, an OU id (ou-…) or a root id (r-…)').optional(),
    }).prefault({}),
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
    /** API keys, OAuth 2.1 bearer tokens, or both (config/oauth-schema.ts). */
    auth: authModeSchema.prefault({}),
    oauth: oauthSchema.prefault({}),
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
    /**
     * 2026-07-28 requests have no MCP session: tool calls allowed per principal (API key, token
     * subject, else client address) within principalBudgetWindowSeconds, counted across replicas.
     */
    principalCallBudget: z.coerce.number().int().min(1).max(10_000_000).default(1000),
    principalBudgetWindowSeconds: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
    /**
     * Quotas per principal (API key, token subject, client address; stdio: local:stdio), counted in
     * fixed windows (the UTC minute, the UTC day) where the guard keeps its counters, so replicas
     * agree. 0 turns a quota off. perPrincipal overrides them for one principal, named as the guard
     * names it (or, for an API key, by its audit identity `key:` + 8 hex characters).
     */
    quotas: z.object({
      callsPerMinute: z.coerce.number().int().min(0).max(1_000_000).default(120),
      /** Scans actually started (not joins of a running scan, not cached answers). */
      scansPerDay: z.coerce.number().int().min(0).max(1_000_000).default(200),
      perPrincipal: z.record(z.string().min(1).max(300), z.object({
        callsPerMinute: z.coerce.number().int().min(0).max(1_000_000).optional(),
        scansPerDay: z.coerce.number().int().min(0).max(1_000_000).optional(),
      }).strict()).default({}),
    }).prefault({}),
    /** Redis (redis:// or rediss://) for the shared guard's counters; unset: the database. */
    guardRedisUrl: z.string().trim().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL').optional(),
    /** Per-call caps (a config may lower the hard caps in core/limits.ts, never raise them). */
    maxAccountsPerCall: z.coerce.number().int().min(1).max(MAX_ACCOUNTS_PER_CALL).default(MAX_ACCOUNTS_PER_CALL),
    maxRegionsPerCall: z.coerce.number().int().min(1).max(MAX_REGIONS_PER_CALL).default(MAX_REGIONS_PER_CALL),
    maxArnsPerCall: z.coerce.number().int().min(1).max(MAX_ARNS_PER_CALL).default(MAX_ARNS_PER_CALL),
  }).prefault({}),
  /** One entry per cloud the workers scan; each cloud's settings stay its own (limits, concurrency, credentials). */
  clouds: z.object({
    aws: awsSchema,
    azure: azureSchema,
    gcp: gcpSchema,
  }).prefault({}),
  /** The default daily snapshot (a Temporal Schedule created at worker start) and its notifications. */
  scheduledCompliance: z.object({
    /** false pauses the schedule (kept, with its run history, under the same id); true creates or unpauses it. */
    enabled: flag.default(true),
    /** Five-field cron, read in `timezone`. */
    schedule: z.string().trim().min(9).max(100).default('0 2 * * *'),
    /** IANA time zone name; checked against the runtime's zone database by the schedule client. */
    timezone: z.string().trim().min(1).max(64).default('UTC'),
    resourceTypes: stringList(z.string().min(1).max(100)).default(['all']),
    regions: stringList(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')).optional(),
    storeSnapshot: flag.default(true),
    notifications: z.object({
      /** Notify when a scheduled scan fails or ends partial. */
      notifyOnFailure: flag.default(true),
      /** Notify when a scheduled scan's score (0..1, as scans report it) is below this. Unset: never. */
      complianceScoreBelow: z.coerce.number().min(0).max(1).optional(),
      /** Addresses mailed for every schedule (a schedule's own recipients are added). */
      emailRecipients: stringList(mailbox).default([]),
      // A bare host (localhost) is a valid mail domain here, so the default parses again as it is.
      emailFrom: mailbox.default('finops-tag-compliance@localhost'),
      smtp: z.object({
        host: z.string().min(1).optional(),
        port: port.default(587),
        /** true: TLS from the first byte (465); false: STARTTLS when the server offers it. */
        secure: flag.default(false),
        user: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      }).prefault({}),
      /** JSON POSTed on each notification, signed with HMAC-SHA256 of the body when a secret is set. */
      webhookUrl: z.string().url().optional(),
      webhookSecret: z.string().min(16).optional(),
    }).prefault({}),
  }).prefault({}),
  /** Approval gate of big scans (see core/scan-plan.ts): above any threshold a scan waits for `approve`. */
  approval: z.object({
    enabled: flag.default(true),
    /** targets × regions × resource types of the plan. */
    maxTargetRegionTypes: z.coerce.number().int().min(1).default(500),
    maxEstimatedCalls: z.coerce.number().int().min(1).default(20_000),
    maxEstimatedSpendUsd: z.coerce.number().min(0).default(1),
    /** A plan not approved within this is cancelled, not run. */
    timeoutSeconds: z.coerce.number().int().min(1).max(30 * 86_400).default(86_400),
  }).prefault({}),
  /** export_violations_csv: larger exports are written here (file names are generated, never taken from callers). */
  exports: z.object({
    directory: z.string().min(1).default('./exports'),
    /** Exports of at most this many rows come back inline instead of as a file. */
    inlineMaxRows: z.coerce.number().int().min(0).max(10_000).default(500),
  }).prefault({}),
  /** The web dashboard at /dashboard (mcp-gateway/dashboard). */
  dashboard: z.object({
    /** A login lasts this long (sessions are stored hashed in the database, shared by replicas). */
    sessionTtlMinutes: z.coerce.number().int().min(5).max(7 * 24 * 60).default(480),
  }).prefault({}),
  /** generate_compliance_report format pdf: rendered by this headless Chromium (absent: a clear error). */
  reports: z.object({
    chromiumPath: z.string().min(1).default('/usr/bin/chromium'),
  }).prefault({}),
  /** Prometheus metrics (see README "Operations: metrics, readiness, tracing"). */
  metrics: z.object({
    /** Serve the gateway's /metrics on the HTTP gateway's own port (behind its Host guard). */
    enabled: flag.default(true),
    /**
     * /metrics on the gateway port asks for an API key when keys are configured (true, the default);
     * false lets a scraper in without one. A separate `port` never asks: bind it to an internal address.
     */
    requireAuth: flag.default(true),
    /** Address of the separate metrics listeners (`port`, `workerPort`, the Temporal SDK's). */
    host: z.string().default('127.0.0.1'),
    /** A separate listener for the gateway's /metrics (no auth; internal); unset: none. */
    port: port.optional(),
    /** The worker process's /metrics listener (activity, scan and cloud metrics, plus the SDK's); unset: none. */
    workerPort: port.optional(),
    /** The Temporal SDK's own Prometheus exporter (temporal_* worker metrics); unset with workerPort set: a free port. */
    temporalSdkPort: port.optional(),
  }).prefault({}),
  /** OpenTelemetry tracing through @temporalio/interceptors-opentelemetry; the exporter reads the standard OTEL_* variables. */
  tracing: z.object({
    enabled: flag.default(false),
    serviceName: z.string().min(1).max(200).default('finops-tag-compliance'),
  }).prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}));

export type Config = z.output<typeof configSchema>;
export type AwsConfig = Config['clouds']['aws'];
export type AzureConfig = Config['clouds']['azure'];
export type GcpConfig = Config['clouds']['gcp'];
