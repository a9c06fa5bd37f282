// Worker bootstrap: registers the workflows and activities on the task queue.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { createActivities } from '../activities/index.js';
import { buildWorkflowBundle } from './workflow-bundle.js';
import { AwsClients } from '../activities/aws/clients.js';
import type { Store } from '../store/index.js';

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
  const bundle = await buildWorkflowBundle();
  const worker = await Worker.create({
    connection,
    namespace: deps.config.temporal.namespace,
    taskQueue: deps.config.temporal.taskQueue,
    workflowBundle: { codePath: bundle },
    activities: createActivities({
      store: deps.store, policyPath: deps.config.policy.path, aws: clients,
      awsDefaults: { accounts: aws.accounts, regions: aws.regions },
    }),
  });
  await rm(path.dirname(bundle), { recursive: true, force: true });
  return { worker, connection, aws: clients };
}
