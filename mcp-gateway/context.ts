// What every tool handler receives: shared services plus the per-call correlation id.
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { ClientCapabilities, ToolAnnotations } from '@modelcontextprotocol/server';
import type { AwsClients } from '../cloud/aws/clients.js';
import type { CloudScanner } from '../cloud/scanner.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../config/logger.js';
import type { Store } from '../store/index.js';
import type { GatewayMetrics } from './metrics.js';
import type { PrincipalQuota } from './quotas/principal-quotas.js';
import type { ScanMemo } from './scans/memo.js';

export interface GatewayDeps {
  config: Config;
  store: Store;
  temporal: Client;
  logger: Logger;
  /** Live AWS reads from the gateway (validate_resource_tags), from awsClientsFrom(config). */
  aws?: AwsClients;
  /** Live Azure and GCP reads (validate_resource_tags); absent: built from config.clouds on first use. */
  liveTags?: { azure?: CloudScanner; gcp?: CloudScanner };
  /** The process-wide memo of cached-result reads (see scan-memo.ts); without it, every read queries. */
  scanMemo?: ScanMemo;
  /** Prometheus metrics of tool calls (metrics.ts); absent: nothing is measured. */
  metrics?: GatewayMetrics;
}

/** The MCP request a tool call came in, as far as a tool may need it. */
export interface McpRequestInfo {
  /** 'modern' for 2026-07-28 (stateless), 'legacy' for a 2025-era session or stdio connection. */
  era: 'legacy' | 'modern';
  /** Answers of a resumed call (an input_required round trip); they are per round, never accumulated. */
  inputResponses?: Record<string, unknown>;
  /** What the client declared: on the request (2026-07-28) or at initialize (2025 era). */
  clientCapabilities?: ClientCapabilities;
}

export interface ToolContext extends GatewayDeps {
  correlationId: string;
  sessionId?: string;
  /** Absent when a tool is called outside MCP (tests, the CLI). */
  request?: McpRequestInfo;
  /** Sends an MCP progress notification when the client asked for them; a no-op otherwise. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
  /** Aborted when the client cancels the request or disconnects. */
  signal?: AbortSignal;
  /** Who is calling (the audit actor: an API key's identity, a token subject, 'stdio'); absent outside MCP. */
  actor?: string;
  /**
   * false when the caller may not decide on a held scan (an OAuth token without the approve scope);
   * absent: it may (API keys, stdio, no auth), as it may call approve_scan.
   */
  mayApprove?: boolean;
  /** The caller's quotas (scans per day are taken where a scan starts); absent outside MCP (CLI, tests). */
  quota?: PrincipalQuota;
}

export interface ToolResult<O> {
  structured: O;
  /** A short human-readable summary shown next to the structured content. */
  text: string;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolAnnotations;
  /** Throws AskClient (errors.ts) to ask the client something before it answers. */
  handler(ctx: ToolContext, input: z.infer<I>): Promise<ToolResult<z.infer<O>>>;
}

/** Helps type inference when a tool file declares its definition. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return tool;
}
