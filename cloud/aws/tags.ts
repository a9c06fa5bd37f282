// Tag reads through the Resource Groups Tagging API: a page of GetResources, and the tags of
// up to 100 known ARNs (how listed resources without tags in their list output get theirs).
import { GetResourcesCommand, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { clientRegion, markAwsSite } from './errors.js';

export const TAGGING_PAGE_SIZE = 100;
const ARN_LIST_MAX = 100;

export type TagMap = Record<string, string>;

export function tagsOf(list: { Key?: string; Value?: string }[] | undefined): TagMap {
  const tags: TagMap = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

/** One GetResources call; a failure carries its site (tag:GetResources in the client's region) for the error mapping. */
async function getResources(client: ResourceGroupsTaggingAPIClient, command: GetResourcesCommand) {
  try {
    return await client.send(command);
  } catch (err) {
    throw markAwsSite(err, { service: 'tag', operation: 'GetResources', region: await clientRegion(client) });
  }
}

export async function getResourcesPage(client: ResourceGroupsTaggingAPIClient, filters: string[] | undefined, token: string | undefined)
  : Promise<{ mappings: ResourceTagMapping[]; next?: string }> {
  const out = await getResources(client, new GetResourcesCommand({
    ResourcesPerPage: TAGGING_PAGE_SIZE,
    ...(filters?.length ? { ResourceTypeFilters: filters } : {}),
    ...(token ? { PaginationToken: token } : {}),
  }));
  return { mappings: out.ResourceTagMappingList ?? [], next: out.PaginationToken || undefined };
}

/** Tags of the given ARNs; ARNs the API does not know (never tagged) are absent from the map. */
export async function tagsByArn(client: ResourceGroupsTaggingAPIClient, arns: string[]): Promise<Map<string, TagMap>> {
  const found = new Map<string, TagMap>();
  for (let start = 0; start < arns.length; start += ARN_LIST_MAX) {
    const ResourceARNList = arns.slice(start, start + ARN_LIST_MAX);
    let token: string | undefined;
    do {
      // AWS answers an ARN list in one response; emulators may page it, so follow a token if one comes.
      const out = await getResources(client, new GetResourcesCommand(token ? { ResourceARNList, PaginationToken: token } : { ResourceARNList }));
      for (const m of out.ResourceTagMappingList ?? []) if (m.ResourceARN) found.set(m.ResourceARN, tagsOf(m.Tags));
      token = out.PaginationToken || undefined;
    } while (token);
  }
  return found;
}
