// The refusals of the call guards, worded for the model: why the call was refused and what to do
// instead. The session guard and the shared guard say the same thing about loops.

export function loopDetectedMessage(tool: string, count: number, loopWindowSeconds: number): string {
  return `loop detected: ${tool} was called ${count} times with the same arguments in the last ` +
    `${loopWindowSeconds} s. The answer will not change; use the previous result, or call ` +
    'get_scan_status with the scan id if you are waiting for a scan.';
}

export function principalBudgetMessage(budget: number, windowSeconds: number, retryAfterSeconds: number): string {
  return `call budget exhausted: ${budget} tool calls per ${windowText(windowSeconds)} for this API key ` +
    `(or client address). The oldest call leaves the window in ${retryText(retryAfterSeconds)}: retry then. ` +
    'Results of earlier scans stay available; do not repeat calls whose answer you already have.';
}

function windowText(seconds: number): string {
  if (seconds === 3600) return 'hour';
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

function retryText(seconds: number): string {
  return seconds < 120 ? `${Math.max(1, Math.ceil(seconds))} s` : `${Math.ceil(seconds / 60)} min`;
}
