// A process for test/integration/cli-logger.test.ts: logs one warning, with a credential in it,
// through the process logger, so the test can see what a terminal and what a pipe receive.
import { createLogger } from '../../config/logger.js';

createLogger('info').warn({ scan: 'scan-1', config: { token: 'tok-SECRET-123' } }, 'a warning for people');
