// Worker bootstrap: registers the workflows and activities on the task queue.
import { createRequire } from 'node:module';
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { createActivities } from '../activities/index.js';
import { AwsClients } from '../activities/aws/clients.js';
import type { Store } from '../store/index.js';

const require = createRequire(import.meta.url);

let runtimeInstalled = false;

/** Routes the SDK's own logs into our logger once per process. */
function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const level = entry.level === 'ERROR' ? 'error' : 'warn';
      logger[level]({ sdk: entry.meta }, entry.message);
    }),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
}

export interface WorkerDeps {
  config: Config;
  address: string;
  store: Store;
  logger: Logger;
}

export async function createWorker(deps: WorkerDeps): Promise<{ worker: Worker; connection: NativeConnection; aws: AwsClients }> {
  installRuntime(deps.logger);
  const { aws } = deps.config;
  const clients = new AwsClients({
    endpoint: aws.endpoint, roleName: aws.crossAccountRoleName, externalId: aws.externalId,
    sessionDurationSeconds: aws.sessionDurationSeconds, managementAccountId: aws.managementAccountId, maxAttempts: aws.sdkMaxAttempts,
  });
  const connection = await NativeConnection.connect({ address: deps.address });
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows/index.ts'),
    activities: createActivities({
      store: deps.store, policyPath: deps.config.policy.path, aws: clients,
      awsDefaults: { accounts: aws.accounts, regions: aws.regions },
    }),
    bundlerOptions: { ignoreModules: [] },
  });
  return { worker, connection, aws: clients };
}
