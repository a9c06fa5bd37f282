// Live tags of Azure resources and GCP assets for validate_resource_tags: which cloud an id
// belongs to, refusing ids of subscriptions or scopes this deployment does not scan (the whole
// call, before anything is read, as AWS accounts outside the allowed set are), and the read itself
// through each cloud's scanner (cloud/), never through activities.
import { armTypeOfId, normaliseAzureType, subscriptionOfId } from '../cloud/azure/names.js';
import { createGcpClients } from '../cloud/gcp/clients.js';
import { projectInName } from '../cloud/gcp/resources.js';
import { createGcpScanner, readScopes } from '../cloud/gcp/scanner.js';
import { createAzureScanner } from '../cloud/azure/scanner.js';
import type { CloudScanner, LiveTags } from '../cloud/scanner.js';
import type { Config } from '../config/index.js';
import type { Cloud } from '../core/resource.js';
import type { ToolContext } from './context.js';
import { ToolError } from './errors.js';

const GCP_NAME = /^\/\/[a-z0-9-]+(\.[a-z0-9-]+)*\.googleapis\.com\/\S+$/;

/** The cloud an id names by its shape: an Azure resource id, a GCP full resource name, else an ARN (malformed ones fail as ARNs). */
export function cloudOfId(id: string): Cloud {
  if (/^\/subscriptions\//i.test(id)) return 'azure';
  if (id.startsWith('//')) return 'gcp';
  return 'aws';
}

/** Why an id of `cloud` cannot be read, or undefined when its shape is right. */
export function malformedId(cloud: 'azure' | 'gcp', id: string): string | undefined {
  if (cloud === 'azure') {
    return armTypeOfId(id) && subscriptionOfId(id) ? undefined
      : 'not an Azure resource id: expected /subscriptions/<guid>/resourceGroups/<group>/providers/<Namespace>/<type>/<name>';
  }
  return GCP_NAME.test(id) ? undefined : 'not a GCP full resource name: expected //<service>.googleapis.com/projects/<project>/...';
}

/**
 * Refuses (ToolError) when an Azure id's subscription is outside clouds.azure.subscriptions (when
 * configured), or a GCP name cannot be within clouds.gcp.scopes.
 */
export function assertLiveIdsConfigured(config: Config, azureIds: string[], gcpIds: string[]): void {
  const subscriptions = config.clouds.azure.subscriptions?.map((s) => s.toLowerCase());
  if (subscriptions) {
    const outside = [...new Set(azureIds.map(subscriptionOfId).filter((s): s is string => !!s && !subscriptions.includes(s)))];
    if (outside.length) {
      throw new ToolError(`subscription(s) ${outside.slice(0, 5).join(', ')} are not configured for scanning (clouds.azure.subscriptions); ` +
        'nothing was read: check resources of the configured subscriptions only');
    }
  }
  if (gcpIds.length === 0) return;
  const scopes = config.clouds.gcp.scopes;
  if (scopes.length === 0) throw new ToolError('no GCP scopes are configured (clouds.gcp.scopes / GCP_SCOPES), so GCP resources cannot be read; nothing was read');
  const outside = [...new Set(gcpIds.filter((id) => readScopes(id, scopes).length === 0).map((id) => projectInName(id) ?? id))];
  if (outside.length) {
    throw new ToolError(`project(s) ${outside.slice(0, 5).join(', ')} are not within the configured GCP scopes (${scopes.join(', ')}); nothing was read`);
  }
}

const fromConfig = new WeakMap<Config, { azure?: CloudScanner; gcp?: CloudScanner }>();

/** The gateway's Azure or GCP scanner: the one it was given, else one built once from config. */
export function liveScanner(ctx: Pick<ToolContext, 'config' | 'liveTags'>, cloud: 'azure' | 'gcp'): CloudScanner {
  const given = ctx.liveTags?.[cloud];
  if (given) return given;
  let built = fromConfig.get(ctx.config);
  if (!built) fromConfig.set(ctx.config, built = {});
  const gcp = ctx.config.clouds.gcp;
  return built[cloud] ??= cloud === 'azure' ? createAzureScanner(ctx.config.clouds.azure) : createGcpScanner(createGcpClients(gcp), gcp);
}

/** What evaluation needs of a live read: the resource's type, account and region as our model spells them. */
export function liveResource(cloud: 'azure' | 'gcp', id: string, live: LiveTags): { type: string; account: string; region: string } {
  if (cloud === 'azure') {
    const arm = armTypeOfId(id);
    return { type: live.type ?? (arm ? normaliseAzureType(arm) : 'azure:unknown'), account: live.account ?? subscriptionOfId(id) ?? '', region: live.region ?? 'unknown' };
  }
  return { type: live.type ?? 'gcp:unknown', account: live.account ?? projectInName(id) ?? '', region: live.region ?? 'global' };
}

/** Reads ids of one cloud; a cloud that cannot be read at all (no credentials) fails each id with the reason. */
export async function readCloudTags(scanner: CloudScanner, ids: string[]): Promise<Map<string, LiveTags | { error: string }>> {
  if (ids.length === 0) return new Map();
  try {
    return await scanner.readTags(ids);
  } catch (err) {
    const message = (err as Error).message.slice(0, 500);
    return new Map(ids.map((id) => [id, { error: message }]));
  }
}
