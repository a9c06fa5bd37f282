// Hard caps on what one tool call may ask for. The input schemas state them (`.max`), so an
// oversized request is refused before anything runs; config may lower them, never raise them.

/** Accounts one scope may name (a hostile list of 10,000 ids once began assuming roles into each). */
export const MAX_ACCOUNTS_PER_CALL = 1000;
/** Regions one scope may name: AWS has about 35 today. */
export const MAX_REGIONS_PER_CALL = 40;
/** ARNs one validate_resource_tags call may read live. */
export const MAX_ARNS_PER_CALL = 100;

/**
 * Shard activities one account scan runs at once, unless the worker's config says otherwise
 * (aws.maxConcurrentShards). The one default: config and the workflows' fallback both use it.
 */
export const DEFAULT_CONCURRENT_SHARDS = 5;
