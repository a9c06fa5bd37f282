// Every workflow the worker registers; the bundler loads this file.
export { evaluateInventory } from './evaluate-inventory.js';
export { complianceScan } from './compliance-scan.js';
export { accountScan } from './account-scan.js';
export { targetScan } from './target-scan.js';
export { policySync } from './policy-sync.js';
export { scheduledAudit } from './scheduled-audit.js';
export { planScan } from './plan-scan.js';
