// Starts a real Temporal dev server (in memory, headless, free port) for a test suite.
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { findTemporalCli } from '../../worker/temporal-cli.js';

export async function startTestTemporal(): Promise<DevServer> {
  return startDevServer({ cliPath: findTemporalCli(process.env.TEMPORAL_CLI_PATH), headless: true });
}
