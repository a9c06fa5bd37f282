// Name and id tokens: what a resource's naming convention says about it (`checkout`, `prd`, `api`).
// Ids, numbers and the words every ARN or resource path carries are dropped: they say nothing
// about an owner or an environment, and unique ids would only grow the model.

const SEPARATORS = /[-_./:\s@+=,;|()[\]{}]+/;
// lowerUpper and UPPERLower boundaries (`checkoutProdApi`, `HTTPServer`), and letters/digits (`web01`).
const CAMEL = /(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/;
// A chunk with letters and digits, 8+ characters long, is an id (i-0abc12345, vol-…, a uuid part).
const ID_LIKE = /^(?=.*\d)(?=.*[a-z])[a-z0-9]{8,}$/i;

/** Words of ARNs, Azure resource ids and GCP resource names, and of the kinds of resources. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'arn', 'aws', 'cn', 'gov', 'us', 'eu', 'ap', 'sa', 'ca', 'me', 'af', 'il', 'east', 'west', 'north', 'south', 'central',
  'northeast', 'southeast', 'instance', 'instances', 'volume', 'vol', 'db', 'table', 'function', 'bucket', 'ec', 'rds', 's3',
  'lambda', 'dynamodb', 'subscriptions', 'resourcegroups', 'providers', 'microsoft', 'compute', 'virtualmachines',
  'storage', 'storageaccounts', 'projects', 'zones', 'regions', 'locations', 'global', 'googleapis', 'com', 'www', 'the', 'and',
  'of', 'for', 'to', 'in', 'on', 'a', 'an', 'i', 'sg', 'vpc', 'subnet', 'www', 'https', 'http',
]);

/** Lowercased, deduplicated tokens of the given texts, in first-seen order. */
export function tokensOf(...texts: (string | null | undefined)[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const chunk of text.split(SEPARATORS)) {
      if (chunk === '' || ID_LIKE.test(chunk)) continue;
      for (const part of chunk.split(CAMEL)) {
        const token = part.toLowerCase();
        if (token.length < 2 || /^\d+$/.test(token) || STOP_WORDS.has(token)) continue;
        out.add(token);
      }
    }
  }
  return [...out];
}

/**
 * The part of a resource id that its owner named: an ARN's resource part (after the account), an
 * Azure id or GCP name as a whole (its structural words are stop words). Partition, service, region
 * and account are features of their own.
 */
export function namedPartOfId(id: string): string {
  if (id.startsWith('arn:')) {
    const parts = id.split(':');
    return parts.slice(5).join(':');
  }
  return id;
}
