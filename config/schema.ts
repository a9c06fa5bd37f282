// The one configuration object every layer receives: a zod schema with defaults.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

export const configSchema = z.object({
  temporal: z.object({
    /** host:port of a Temporal frontend. Unset: `start` runs a local dev server. */
    address: z.string().min(1).optional(),
    namespace: z.string().min(1).default('default'),
    taskQueue: z.string().min(1).default('tag-compliance'),
    /** Explicit path to the `temporal` CLI; else PATH, then .venv-tools/bin. */
    cliPath: z.string().min(1).optional(),
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
  }).prefault({}),
  aws: z.object({
    /** Role assumed in every member account (not in the management account). */
    crossAccountRoleName: z.string().min(1).max(64).default('OrganizationAccountAccessRole'),
    externalId: z.string().min(2).max(1224).optional(),
    /** Account whose default credential chain is used as is; discovered via STS when unset. */
    managementAccountId: z.string().regex(/^\d{12}$/).optional(),
    /** Accounts to scan when a scope names none; unset = AWS Organizations ListAccounts. */
    accounts: z.array(z.string().regex(/^\d{12}$/)).optional(),
    /** Regions to scan when a scope names none; unset = EC2 DescribeRegions (opted-in). */
    regions: z.array(z.string().min(1)).optional(),
    sessionDurationSeconds: z.coerce.number().int().min(900).max(43200).default(900),
    maxParallelAccounts: z.coerce.number().int().min(1).max(100).default(5),
    maxConcurrentRegions: z.coerce.number().int().min(1).max(50).default(5),
    /** Endpoint override for every AWS client (moto, LocalStack); AWS_ENDPOINT_URL also works. */
    endpoint: z.string().url().optional(),
    /** SDK attempts per call; throttling beyond them is retried by Temporal with backoff. */
    sdkMaxAttempts: z.coerce.number().int().min(1).max(10).default(3),
  }).prefault({}),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;
