// Command line entry: `start` (whole stack), `worker`, `http`, `stdio`, `evaluate <file>`.
import path from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../config/logger.js';
import { awsClientsFrom } from '../cloud/aws/clients.js';
import { resolveAuthMode } from '../mcp-gateway/auth.js';
import { createHttpGateway } from '../mcp-gateway/http.js';
import { serveStdio } from '../mcp-gateway/stdio.js';
import { createWorker, describeWorker, requestWorkerShutdown, SHUTDOWN_DEADLINE_AFTER_GRACE_MS } from '../worker/worker.js';
import { ensurePolicySyncSchedule } from '../client/policy-sync.js';
import { ScheduleInputError, syncDefaultSchedule } from '../client/schedules.js';
import { writeWorkflowBundle } from '../worker/workflow-bundle.js';
import { printBanner } from './banner.js';
import { runEvaluate } from './evaluate.js';
import { isTerminalCommand, runTerminalCommand } from './terminal-commands.js';
import { EXIT_CODES_TEXT } from './exit-codes.js';
import { Lifecycle } from './lifecycle.js';
import { processMetrics } from './metrics.js';
import { databaseIdentity, findRunningLocalStack, recordLocalStack, type LocalStack } from './local-stack.js';
import { connectTemporal, openStore } from './runtime.js';
import { bridgeStdioToHttp } from './stdio-bridge.js';

const USAGE = `usage: finops-tag-compliance <command>
  start              Temporal dev server (unless TEMPORAL_ADDRESS is set), worker and HTTP gateway
  worker             a worker only (needs TEMPORAL_ADDRESS or a running dev server)
  http               the HTTP gateway only
  stdio [--worker]   the MCP gateway over stdio: through the \`start\` running on DATA_DIR if there is one;
                     else on its own, with a worker too on the embedded store or with --worker
  evaluate FILE [--snapshot]
                     evaluate an inventory JSON file through the evaluateInventory workflow
  scan --types T,... [--cloud aws|azure|gcp|all] [--accounts A,...] [--regions R,...] [--subscriptions S,...]
       [--gcp-scopes P,...] [--wait SECONDS] [--fail-under PERCENT] [--fail-on-partial] [--json] [--no-progress]
                     start (or join) the compliance scan of a scope, follow it with a progress bar on stderr,
                     print the summary table on stdout (scan --help for every option)
  status SCAN_ID [--json]
                     a scan's progress, or its summary once it ended
  report [--scan SCAN_ID] [--format html|markdown|csv|json] [--output FILE]
                     the compliance report of the newest completed scan (or SCAN_ID)
  schedules [--json] the scheduled audits: cron, next runs, paused, last outcome
  convert-aws-policy IN.json
                     convert an AWS Organizations tag policy to this tool's policy format (stdout)
${EXIT_CODES_TEXT}`;

/**
 * Runs the pieces a command needs. Every exit path (signal, failed startup, transport closed,
 * worker failure) goes through one Lifecycle, which stops them in reverse order: gateway, worker
 * (drained), store, Temporal connection and, last, the dev server this process launched.
 */
async function runStack(config: Config, logger: Logger, opts: { transport: 'http' | 'stdio' | 'none'; worker: boolean; devServer: boolean }): Promise<void> {
  const graceMs = config.temporal.workerShutdownGraceSeconds * 1000;
  const lifecycle = new Lifecycle(logger, graceMs + SHUTDOWN_DEADLINE_AFTER_GRACE_MS);
  lifecycle.handleSignals(); // before anything starts: a Ctrl-C during startup stops what began
  try {
    await startStack(config, logger, opts, lifecycle);
  } catch (err) {
    // A signal already stopping us exits the process itself; otherwise report the failure
    // (bin/ prints it and exits 1) once what did start is stopped.
    const stoppedBySignal = lifecycle.isStopping;
    await lifecycle.stop('startup failed');
    if (!stoppedBySignal) throw err;
  }
}

async function startStack(config: Config, logger: Logger, opts: { transport: 'http' | 'stdio' | 'none'; worker: boolean; devServer: boolean }, lifecycle: Lifecycle): Promise<void> {
  // Fail before starting anything when the HTTP gateway would refuse its auth settings.
  if (opts.transport === 'http') resolveAuthMode(config.http);

  // Registered before any client or worker exists, and flushed last (the lifecycle stops in reverse).
  const tracing = config.tracing.enabled ? (await import('../worker/tracing.js')).startTracing({ serviceName: config.tracing.serviceName }) : undefined;
  if (tracing) lifecycle.add('tracing', tracing.shutdown);
  const temporal = await connectTemporal(config, logger, opts.devServer);
  lifecycle.add(temporal.devServer ? 'temporal connection and dev server' : 'temporal connection', temporal.close, { begin: temporal.quiet });
  const store = await openStore(config, logger);
  lifecycle.add('store', store.close);
  // One set of AWS clients per process, for the gateway's live reads and the worker's shards;
  // stopped after both (the lifecycle runs in reverse), closing their sockets.
  const aws = awsClientsFrom(config);
  lifecycle.add('aws clients', async () => aws.destroy());
  // One registry for this process's gateway and worker; their separate listeners start once both run.
  const metrics = await processMetrics(config, { worker: opts.worker });
  const deps = { config, store: store.store, temporal: temporal.client, logger, aws,
    ...(opts.transport === 'none' ? {} : { metrics: metrics.gateway(store.store) }) };

  if (opts.worker) {
    // The SDK's own warnings while we take its server connection down (polls cut short) are the
    // shutdown working, not news: from then on only its errors are logged.
    const workerLogger = logger.child({});
    const { worker, connection } = await createWorker({ config, address: temporal.address, store: store.store, logger: workerLogger, aws, observability: { ...metrics.worker, ...(tracing ? { tracing } : {}) } });
    const running = worker.run();
    // The config's default daily snapshot (scheduledCompliance): created, updated in place or paused.
    // A bad block stops the start; Temporal refusing it is logged and the rest still starts.
    await syncDefaultSchedule(temporal.client, config).then((r) => logger.info(r, 'default scheduled audit synced'), (err: unknown) => {
      if (err instanceof ScheduleInputError) throw new Error(`config scheduledCompliance: ${err.message}`);
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'default scheduled audit not synced');
    });
    // policy.source: aws-organizations keeps the policySync schedule (and runs it once now); file removes it.
    await ensurePolicySyncSchedule(temporal.client, store.store, config).then((r) => logger.info({ outcome: r }, 'policy sync schedule'),
      (err: unknown) => logger.error({ error: err instanceof Error ? err.message : String(err) }, 'policy sync schedule not set'));
    let failedWhileRunning = false;
    running.catch((err: unknown) => {
      if (lifecycle.isStopping) return; // the worker step reports it
      failedWhileRunning = true;
      logger.fatal({ error: err instanceof Error ? err.message : String(err) }, 'worker stopped');
      void lifecycle.exit('worker failure', 1);
    });
    lifecycle.add('worker', async () => {
      requestWorkerShutdown(worker);
      // The SDK gives up SDK_FORCE_AFTER_GRACE_MS after the grace period (typically: its server is
      // gone, so finished activities cannot be reported); they time out and are retried.
      const drained = await running.then(() => true, () => false);
      await connection.close();
      if (!drained && !failedWhileRunning) throw new Error(`the worker did not drain within its grace period (${config.temporal.workerShutdownGraceSeconds} s) and was stopped; Temporal retries its activities once their heartbeat times out`);
    }, {
      begin: () => {
        if (workerLogger.levelVal < logger.levels.values.error!) workerLogger.level = 'error';
        requestWorkerShutdown(worker); // the grace period starts with the signal, not after the gateway closed
      },
      describe: () => describeWorker(worker),
    });
  }

  let httpUrl: string | undefined;
  if (opts.transport === 'http') {
    const app = await createHttpGateway(deps, { dbKind: store.db.kind });
    lifecycle.add('http gateway', () => app.close());
    httpUrl = await app.listen({ host: config.http.host, port: config.http.port });
    if (opts.worker) {
      // A `stdio` launched beside us (Claude Desktop) finds this stack here and serves through it.
      const forget = recordLocalStack(config.dataDir, {
        httpUrl: loopbackUrl(httpUrl), temporalAddress: temporal.address, namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue, database: databaseIdentity(config.database.url),
      });
      lifecycle.add('local stack record', async () => forget());
    }
  } else if (opts.transport === 'stdio') {
    const stdio = await serveStdio(deps);
    lifecycle.add('stdio transport', stdio.close);
    process.stdin.once('end', () => void lifecycle.exit('stdin closed', 0));
    void stdio.closed.then(() => lifecycle.exit('transport closed', 0));
  }
  await metrics.listen(lifecycle, deps.metrics);
  printBanner({ config, temporal, httpUrl, dbKind: store.db.kind, worker: opts.worker, transport: opts.transport });
}

/** fastify reports the bound address; a wildcard bind is reached on loopback from this machine. */
function loopbackUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
  return u.origin;
}

/** `stdio` beside a running `start`: a relay to its HTTP gateway, stopped by the same lifecycle. */
async function runBridge(logger: Logger, stack: LocalStack): Promise<void> {
  const lifecycle = new Lifecycle(logger, 5_000);
  lifecycle.handleSignals();
  const bridge = await bridgeStdioToHttp(stack, logger, process.env.FINOPS_API_KEY || undefined);
  lifecycle.add('stdio bridge', bridge.close);
  process.stdin.once('end', () => void lifecycle.exit('stdin closed', 0));
  void bridge.closed.then(() => lifecycle.exit('transport closed', 0));
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
      const running = rest.includes('--worker') ? undefined : await findRunningLocalStack(config);
      if (running) return runBridge(logger, running);
      const worker = rest.includes('--worker') || !config.database.url;
      return runStack(config, logger, { transport: 'stdio', worker, devServer: worker });
    }
    case 'bundle-workflows': // internal: the worker bundles its workflow code in a child process
      return writeWorkflowBundle(rest[0] ?? 'workflows.js', rest.slice(1));
    case 'evaluate': {
      const file = rest.find((arg) => !arg.startsWith('--'));
      if (!file) throw new Error('evaluate needs an inventory file: finops-tag-compliance evaluate FILE');
      return runEvaluate(config, path.resolve(file), rest.includes('--snapshot'));
    }
    case 'convert-aws-policy': // offline: AWS tag policy JSON in, our policy JSON on stdout
      return (await import('./convert-aws-policy.js')).runConvertAwsPolicy(rest);
    default:
      if (isTerminalCommand(command)) return runTerminalCommand(command, rest, config, logger);
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
}
