// Reads the configuration once: optional config.yaml, overridden by environment variables.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

import { configSchema, type Config } from './schema.js';

/** Environment variable -> dotted config path. Documented in the README. */
export const ENV_KEYS: Record<string, string> = {
  TEMPORAL_ADDRESS: 'temporal.address',
  TEMPORAL_NAMESPACE: 'temporal.namespace',
  TEMPORAL_TASK_QUEUE: 'temporal.taskQueue',
  TEMPORAL_CLI_PATH: 'temporal.cliPath',
  TEMPORAL_DEV_PORT: 'temporal.devServer.port',
  TEMPORAL_UI_PORT: 'temporal.devServer.uiPort',
  TEMPORAL_UI_URL: 'temporal.uiUrl',
  WORKER_SHUTDOWN_GRACE_SECONDS: 'temporal.workerShutdownGraceSeconds',
  WORKER_MAX_CONCURRENT_ACTIVITIES: 'temporal.maxConcurrentActivities',
  DATABASE_URL: 'database.url',
  DATABASE_POOL_MAX: 'database.poolMax',
  DATA_DIR: 'dataDir',
  POLICY_PATH: 'policy.path',
  POLICY_SOURCE: 'policy.source', // file | aws-organizations
  POLICY_SYNC_INTERVAL_HOURS: 'policy.sync.intervalHours',
  POLICY_SYNC_TARGET_ID: 'policy.sync.targetId',
  HOST: 'http.host',
  PORT: 'http.port',
  API_KEY_HASHES: 'http.apiKeyHashes', // comma-separated
  ALLOW_UNAUTHENTICATED: 'http.allowUnauthenticated',
  CORS_ORIGINS: 'http.corsOrigins', // comma-separated
  ALLOWED_HOSTS: 'http.allowedHosts', // comma-separated
  BODY_LIMIT_BYTES: 'http.bodyLimitBytes',
  RATE_LIMIT_PER_MINUTE: 'http.rateLimitPerMinute',
  SESSION_IDLE_TIMEOUT_SECONDS: 'http.sessionIdleTimeoutSeconds',
  MAX_SESSIONS_PER_PRINCIPAL: 'http.maxSessionsPerPrincipal',
  MAX_SESSIONS: 'http.maxSessions',
  AUTH_MODE: 'http.auth.mode', // keys | oauth | both
  OAUTH_ISSUER: 'http.oauth.issuer',
  OAUTH_AUDIENCE: 'http.oauth.audience',
  OAUTH_JWKS_URI: 'http.oauth.jwksUri',
  OAUTH_RESOURCE: 'http.oauth.resource',
  OAUTH_REQUIRED_SCOPES: 'http.oauth.requiredScopes', // space- or comma-separated
  OAUTH_APPROVE_SCOPE: 'http.oauth.approveScope',
  OAUTH_CLOCK_TOLERANCE_SECONDS: 'http.oauth.clockToleranceSeconds',
  LOG_LEVEL: 'logLevel',
  EXPORTS_DIRECTORY: 'exports.directory',
  DASHBOARD_SESSION_TTL_MINUTES: 'dashboard.sessionTtlMinutes',
  CHROMIUM_PATH: 'reports.chromiumPath',
  CROSS_ACCOUNT_ROLE_NAME: 'clouds.aws.crossAccountRoleName',
  CROSS_ACCOUNT_EXTERNAL_ID: 'clouds.aws.externalId',
  AWS_MANAGEMENT_ACCOUNT_ID: 'clouds.aws.managementAccountId',
  SCAN_ACCOUNTS: 'clouds.aws.accounts', // comma-separated
  SCAN_REGIONS: 'clouds.aws.regions', // comma-separated
  AWS_SESSION_DURATION_SECONDS: 'clouds.aws.sessionDurationSeconds',
  MAX_PARALLEL_ACCOUNTS: 'clouds.aws.maxParallelAccounts',
  MAX_CONCURRENT_REGIONS: 'clouds.aws.maxConcurrentShards', // old name; MAX_CONCURRENT_SHARDS wins when both are set
  MAX_CONCURRENT_SHARDS: 'clouds.aws.maxConcurrentShards',
  AWS_ENDPOINT_URL: 'clouds.aws.endpoint',
  AWS_CALLS_PER_SECOND: 'clouds.aws.callsPerSecondPerAccountRegion', // 0 = no budget
  AWS_CALL_BURST: 'clouds.aws.callBurst',
  COST_EXPLORER_ACCOUNT_ID: 'clouds.aws.costExplorer.accountId',
  COST_EXPLORER_ENDPOINT_URL: 'clouds.aws.costExplorer.endpoint',
  COST_CACHE_TTL_SECONDS: 'clouds.aws.costExplorer.cacheTtlSeconds',
  COST_EXPLORER_RESOURCE_LEVEL: 'clouds.aws.costExplorer.resourceLevel',
  AZURE_SUBSCRIPTIONS: 'clouds.azure.subscriptions', // comma-separated
  AZURE_TENANT_ID: 'clouds.azure.tenantId',
  AZURE_CLIENT_ID: 'clouds.azure.clientId',
  AZURE_CLIENT_SECRET: 'clouds.azure.clientSecret',
  AZURE_USE_DEFAULT_CREDENTIAL: 'clouds.azure.useDefaultCredential',
  AZURE_ENDPOINT_URL: 'clouds.azure.endpoint',
  AZURE_AUTHORITY_HOST: 'clouds.azure.authorityHost',
  AZURE_CA_FILE: 'clouds.azure.caFile',
  AZURE_MAX_CONCURRENT_SHARDS: 'clouds.azure.maxConcurrentShards',
  AZURE_SDK_MAX_RETRIES: 'clouds.azure.sdkMaxRetries',
  AZURE_CALLS_PER_SECOND: 'clouds.azure.callsPerSecondPerSubscription', // 0 = no budget
  AZURE_CALL_BURST: 'clouds.azure.callBurst',
  GCP_SCOPES: 'clouds.gcp.scopes', // comma-separated: organizations/N, folders/N, projects/P
  GCP_KEY_FILE: 'clouds.gcp.keyFile',
  GCP_USE_METADATA_SERVER: 'clouds.gcp.useMetadataServer',
  GCP_API_ENDPOINT: 'clouds.gcp.apiEndpoint',
  GCP_API_PORT: 'clouds.gcp.port',
  GCP_API_PROTOCOL: 'clouds.gcp.protocol', // http | https
  GCP_PAGE_SIZE: 'clouds.gcp.pageSize',
  GCP_MAX_CONCURRENT_SHARDS: 'clouds.gcp.maxConcurrentShards',
  GCP_CALLS_PER_SECOND: 'clouds.gcp.callsPerSecond', // 0 = no budget
  GCP_CALL_BURST: 'clouds.gcp.callBurst',
  CACHE_TTL_SECONDS: 'gateway.cacheTtlSeconds',
  PARTIAL_CACHE_TTL_SECONDS: 'gateway.partialCacheTtlSeconds',
  SHARD_HEARTBEAT_SECONDS: 'clouds.aws.shardHeartbeatSeconds',
  DEFAULT_WAIT_SECONDS: 'gateway.defaultWaitSeconds',
  SESSION_CALL_BUDGET: 'gateway.sessionCallBudget',
  MAX_IDENTICAL_CALLS: 'gateway.maxIdenticalCalls',
  LOOP_WINDOW_SECONDS: 'gateway.loopWindowSeconds',
  PRINCIPAL_CALL_BUDGET: 'gateway.principalCallBudget',
  PRINCIPAL_BUDGET_WINDOW_SECONDS: 'gateway.principalBudgetWindowSeconds',
  GUARD_REDIS_URL: 'gateway.guardRedisUrl',
  QUOTA_CALLS_PER_MINUTE: 'gateway.quotas.callsPerMinute', // 0 = off
  QUOTA_SCANS_PER_DAY: 'gateway.quotas.scansPerDay', // 0 = off
  MAX_ACCOUNTS_PER_CALL: 'gateway.maxAccountsPerCall',
  MAX_REGIONS_PER_CALL: 'gateway.maxRegionsPerCall',
  MAX_ARNS_PER_CALL: 'gateway.maxArnsPerCall',
  AWS_SDK_MAX_ATTEMPTS: 'clouds.aws.sdkMaxAttempts',
  SCHEDULED_COMPLIANCE_ENABLED: 'scheduledCompliance.enabled',
  SCHEDULED_COMPLIANCE_CRON: 'scheduledCompliance.schedule',
  SCHEDULED_COMPLIANCE_TIMEZONE: 'scheduledCompliance.timezone',
  SCHEDULED_COMPLIANCE_RESOURCE_TYPES: 'scheduledCompliance.resourceTypes', // comma-separated
  SCHEDULED_COMPLIANCE_REGIONS: 'scheduledCompliance.regions', // comma-separated
  SCHEDULED_COMPLIANCE_STORE_SNAPSHOT: 'scheduledCompliance.storeSnapshot',
  NOTIFY_ON_FAILURE: 'scheduledCompliance.notifications.notifyOnFailure',
  COMPLIANCE_SCORE_BELOW: 'scheduledCompliance.notifications.complianceScoreBelow',
  NOTIFICATION_EMAIL: 'scheduledCompliance.notifications.emailRecipients', // comma-separated
  NOTIFICATION_EMAIL_FROM: 'scheduledCompliance.notifications.emailFrom',
  SMTP_HOST: 'scheduledCompliance.notifications.smtp.host',
  SMTP_PORT: 'scheduledCompliance.notifications.smtp.port',
  SMTP_SECURE: 'scheduledCompliance.notifications.smtp.secure',
  SMTP_USER: 'scheduledCompliance.notifications.smtp.user',
  SMTP_PASSWORD: 'scheduledCompliance.notifications.smtp.password',
  NOTIFICATION_WEBHOOK_URL: 'scheduledCompliance.notifications.webhookUrl',
  NOTIFICATION_WEBHOOK_SECRET: 'scheduledCompliance.notifications.webhookSecret',
  METRICS_ENABLED: 'metrics.enabled',
  METRICS_REQUIRE_AUTH: 'metrics.requireAuth',
  METRICS_HOST: 'metrics.host',
  METRICS_PORT: 'metrics.port',
  METRICS_WORKER_PORT: 'metrics.workerPort',
  TEMPORAL_SDK_METRICS_PORT: 'metrics.temporalSdkPort',
  TRACING_ENABLED: 'tracing.enabled',
  OTEL_SERVICE_NAME: 'tracing.serviceName',
  APPROVAL_ENABLED: 'approval.enabled',
  APPROVAL_MAX_TARGET_REGION_TYPES: 'approval.maxTargetRegionTypes',
  APPROVAL_MAX_ESTIMATED_CALLS: 'approval.maxEstimatedCalls',
  APPROVAL_MAX_ESTIMATED_SPEND_USD: 'approval.maxEstimatedSpendUsd',
  APPROVAL_TIMEOUT_SECONDS: 'approval.timeoutSeconds',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.CONFIG_FILE ?? 'config.yaml';
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) {
    const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object') raw = parsed as Record<string, unknown>;
  } else if (env.CONFIG_FILE) {
    throw new ConfigError(`CONFIG_FILE ${file} does not exist`);
  }
  for (const [name, dotted] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, dotted, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration (${file} / environment):\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}


