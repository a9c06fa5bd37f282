// A worker process for test/integration/azure-durability.test.ts: the worker as `worker` runs
// it, but with the Azure settings of its config (clouds.azure from AZURE_* variables) handed to
// the activities, so a test can SIGKILL it mid-shard and start another.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { openStore } from '../../cli/runtime.js';
import { awsClientsFrom } from '../../cloud/aws/clients.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../config/logger.js';
import { buildWorkflowBundle } from '../../worker/workflow-bundle.js';

const config = loadConfig(process.env);
const logger = createLogger('warn');
const store = await openStore(config, logger);
const bundle = await buildWorkflowBundle();
const connection = await NativeConnection.connect({ address: config.temporal.address! });
const worker = await Worker.create({
  connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, workflowBundle: { codePath: bundle },
  activities: createActivities({ store: store.store, policyPath: config.policy.path, aws: awsClientsFrom(config), azure: config.clouds.azure }),
});
process.stdout.write('ready\n');
await worker.run();
