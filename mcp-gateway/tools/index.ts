// The registry: every tool the gateway exposes. Later issues add their files here.
import type { ToolDefinition } from '../context.js';
import { getTaggingPolicy } from './get-tagging-policy.js';

export const TOOLS: ToolDefinition[] = [getTaggingPolicy as unknown as ToolDefinition];
