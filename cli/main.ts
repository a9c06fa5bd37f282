// Command line entry: `start` (whole stack), `worker`, `http`, `stdio`, `evaluate <file>`.
import path from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../config/logger.js';
import { createGatewayAws } from '../mcp-gateway/aws.js';
import { resolveAuthMode } from '../mcp-gateway/auth.js';
import { createHttpGateway } from '../mcp-gateway/http.js';
import { serveStdio } from '../mcp-gateway/stdio.js';
import { createWorker } from '../worker/worker.js';
import { writeWorkflowBundle } from '../worker/workflow-bundle.js';
import { printBanner } from './banner.js';
import { runEvaluate } from './evaluate.js';
import { connectTemporal, openStore } from './runtime.js';

const USAGE = `usage: finops-tag-compliance <command>
  start              Temporal dev server (unless TEMPORAL_ADDRESS is set), worker and HTTP gateway
  worker             a worker only (needs TEMPORAL_ADDRESS or a running dev server)
  http               the HTTP gateway only
  stdio [--worker]   the MCP gateway over stdio; runs a worker too with the embedded store or --worker
  evaluate FILE [--snapshot]
                     evaluate an inventory JSON file through the evaluateInventory workflow`;

type Closer = () => Promise<void>;

async function runStack(config: Config, logger: Logger, opts: { transport: 'http' | 'stdio' | 'none'; worker: boolean; devServer: boolean }): Promise<void> {
  const closers: Closer[] = [];
  let shuttingDown = false;
  const shutdown = async (why: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ why }, 'shutting down');
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // Fail before starting anything when the HTTP gateway would refuse its auth settings.
  if (opts.transport === 'http') resolveAuthMode(config.http);

  const temporal = await connectTemporal(config, logger, opts.devServer);
  closers.push(temporal.close);
  const store = await openStore(config, logger);
  closers.push(store.close);
  const gatewayAws = createGatewayAws(config);
  closers.push(async () => gatewayAws.destroy());
  const deps = { config, store: store.store, temporal: temporal.client, logger, aws: gatewayAws };

  if (opts.worker) {
    const { worker, connection, aws } = await createWorker({ config, address: temporal.address, store: store.store, logger });
    const running = worker.run();
    running.catch((err: unknown) => { logger.fatal({ err }, 'worker stopped'); void shutdown('worker failure'); });
    closers.push(async () => {
      worker.shutdown();
      await running.catch(() => {});
      await connection.close();
      aws.destroy();
    });
  }

  let httpUrl: string | undefined;
  if (opts.transport === 'http') {
    const app = await createHttpGateway(deps, { dbKind: store.db.kind });
    httpUrl = await app.listen({ host: config.http.host, port: config.http.port });
    closers.push(() => app.close());
  } else if (opts.transport === 'stdio') {
    const stdio = await serveStdio(deps);
    closers.push(stdio.close);
    process.stdin.once('end', () => void shutdown('stdin closed'));
    void stdio.closed.then(() => shutdown('transport closed'));
  }
  printBanner({ config, temporal, httpUrl, dbKind: store.db.kind, worker: opts.worker, transport: opts.transport });
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = command ? 0 : 2;
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  switch (command) {
    case 'start':
      return runStack(config, logger, { transport: 'http', worker: true, devServer: true });
    case 'worker':
      return runStack(config, logger, { transport: 'none', worker: true, devServer: false });
    case 'http':
      return runStack(config, logger, { transport: 'http', worker: false, devServer: false });
    case 'stdio': {
      const worker = rest.includes('--worker') || !config.database.url;
      return runStack(config, logger, { transport: 'stdio', worker, devServer: worker });
    }
    case 'bundle-workflows': // internal: the worker bundles its workflow code in a child process
      return writeWorkflowBundle(rest[0] ?? 'workflows.js');
    case 'evaluate': {
      const file = rest.find((arg) => !arg.startsWith('--'));
      if (!file) throw new Error('evaluate needs an inventory file: finops-tag-compliance evaluate FILE');
      return runEvaluate(config, path.resolve(file), rest.includes('--snapshot'));
    }
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
}
