// A process for test/integration/cli-lifecycle.test.ts: launches a dev server in its own process
// group (as `start` does), registers a shutdown step that never finishes, and waits for a signal,
// so the test can watch the shutdown deadline end the process and take the server with it.
import { createLogger } from '../../config/logger.js';
import { Lifecycle } from '../../cli/lifecycle.js';
import { startDevServer } from '../../worker/dev-server.js';
import { findTemporalCli } from '../../worker/temporal-cli.js';

const [dbFile, deadlineMs] = process.argv.slice(2);
const logger = createLogger('info');
const lifecycle = new Lifecycle(logger, Number(deadlineMs));
lifecycle.handleSignals();
const server = await startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true, dbFile, ownProcessGroup: true });
lifecycle.add('dev server', () => server.stop());
lifecycle.add('stuck step', () => new Promise<void>(() => {}), { describe: () => ({ holding: 'a request that never ends' }) });
process.stdout.write(`ready ${server.process.pid}\n`);
