// The scan id parameter shared by the scan control tools: the scan's Temporal workflow id.
import { z } from 'zod';

export const scanIdParam = z.string().regex(/^scan-[a-z]+-[0-9a-f]{12}-\d{8}T\d{4}Z(-snapshot)?(-r\d{6})?$/,
  'must be a scan id as returned by start_compliance_scan or check_tag_compliance, e.g. scan-adhoc-1a2b3c4d5e6f-20261125T0215Z')
  .describe('The scan_id returned by start_compliance_scan, check_tag_compliance or list_scans');
