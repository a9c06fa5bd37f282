// The registry: every tool the gateway exposes. Later issues add their files here.
import type { ToolDefinition } from '../context.js';
import { cancelScan } from './cancel-scan.js';
import { approveScan } from './approve-scan.js';
import { rejectScan } from './reject-scan.js';
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
import { detectTagDrift } from './detect-tag-drift.js';
import { exportViolationsCsvTool } from './export-violations-csv.js';
import { generateTerraformPolicyTool } from './generate-terraform-policy.js';
import { generateConfigRulesTool } from './generate-config-rules.js';
import { getCostAttributionGap } from './get-cost-attribution-gap.js';
import { suggestTagsTool } from './suggest-tags.js';
import { generateCustodianPolicy } from './generate-custodian-policy.js';
import { generateOpenopsWorkflow } from './generate-openops-workflow.js';
import { exportForAutomationTool } from './export-for-automation.js';

const tool = (definition: unknown) => definition as ToolDefinition;

export const TOOLS: ToolDefinition[] = [
  tool(checkTagCompliance), tool(getTaggingPolicy),
  tool(startComplianceScanTool), tool(getScanStatus), tool(listScans), tool(cancelScan), tool(approveScan), tool(rejectScan),
  tool(validateResourceTags),
  tool(findUntaggedResources), tool(generateComplianceReport), tool(getViolationHistory),
  tool(getCostAttributionGap),
  tool(suggestTagsTool),
  tool(scheduleComplianceAudit),
  tool(importAwsTagPolicy),
  tool(detectTagDrift), tool(exportViolationsCsvTool),
  tool(generateTerraformPolicyTool), tool(generateConfigRulesTool),
  tool(generateCustodianPolicy), tool(generateOpenopsWorkflow), tool(exportForAutomationTool),
];
