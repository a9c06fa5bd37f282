// The gateway's own AWS clients, for tools that read live state (validate_resource_tags) rather
// than start a scan. One per process, built from the same config as the worker's, so it assumes
// the same cross-account role; the caller destroys it on shutdown to close its sockets.
import { AwsClients } from '../activities/aws/clients.js';
import type { Config } from '../config/index.js';

export function createGatewayAws(config: Config): AwsClients {
  const { aws } = config;
  return new AwsClients({
    endpoint: aws.endpoint,
    roleName: aws.crossAccountRoleName,
    externalId: aws.externalId,
    sessionDurationSeconds: aws.sessionDurationSeconds,
    managementAccountId: aws.managementAccountId,
    maxAttempts: aws.sdkMaxAttempts,
  });
}
