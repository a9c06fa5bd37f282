// The commands for a person (or a CI job) in a terminal: scan, status, report, schedules. A refused
// flag is exit code 2 with the command's usage; everything else is the command's own exit code.
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import { UsageError } from './args.js';
import { EXIT } from './exit-codes.js';
import { REPORT_USAGE, parseReportArgs, runReport } from './report.js';
import { SCAN_USAGE, parseScanArgs, runScan } from './scan.js';
import { SCHEDULES_USAGE, parseSchedulesArgs, runSchedules } from './schedules.js';
import { STATUS_USAGE, parseStatusArgs, runStatus } from './status.js';

export const TERMINAL_COMMANDS = ['scan', 'status', 'report', 'schedules'] as const;
export type TerminalCommand = (typeof TERMINAL_COMMANDS)[number];

const USAGES: Record<TerminalCommand, string> = { scan: SCAN_USAGE, status: STATUS_USAGE, report: REPORT_USAGE, schedules: SCHEDULES_USAGE };

export function isTerminalCommand(command: string): command is TerminalCommand {
  return (TERMINAL_COMMANDS as readonly string[]).includes(command);
}

export async function runTerminalCommand(command: TerminalCommand, argv: string[], config: Config, logger: Logger): Promise<void> {
  try {
    switch (command) {
      case 'scan': return await runScan(config, logger, parseScanArgs(argv));
      case 'status': return await runStatus(config, parseStatusArgs(argv));
      case 'report': return await runReport(config, logger, parseReportArgs(argv));
      case 'schedules': return await runSchedules(config, parseSchedulesArgs(argv));
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`finops-tag-compliance: ${err.message}\n${err.showUsage ? `${USAGES[command]}\n` : ''}`);
    process.exitCode = EXIT.usage;
  }
}
