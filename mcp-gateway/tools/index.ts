// The registry: every tool the gateway exposes. Later issues add their files here.
import type { ToolDefinition } from '../context.js';
import { cancelScan } from './cancel-scan.js';
import { checkTagCompliance } from './check-tag-compliance.js';
import { getScanStatus } from './get-scan-status.js';
import { getTaggingPolicy } from './get-tagging-policy.js';
import { listScans } from './list-scans.js';
import { startComplianceScanTool } from './start-compliance-scan.js';
import { validateResourceTags } from './validate-resource-tags.js';
import { findUntaggedResources } from './find-untagged-resources.js';
import { generateComplianceReport } from './generate-compliance-report.js';
import { getViolationHistory } from './get-violation-history.js';
import { scheduleComplianceAudit } from './schedule-compliance-audit.js';
import { importAwsTagPolicy } from './import-aws-tag-policy.js';

const tool = (definition: unknown) => definition as ToolDefinition;

export const TOOLS: ToolDefinition[] = [
  tool(checkTagCompliance), tool(getTaggingPolicy),
  tool(startComplianceScanTool), tool(getScanStatus), tool(listScans), tool(cancelScan),
  tool(validateResourceTags),
  tool(findUntaggedResources), tool(generateComplianceReport), tool(getViolationHistory),
  tool(scheduleComplianceAudit),
  tool(importAwsTagPolicy),
];
