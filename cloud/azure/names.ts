// How Azure names things, as our resource model spells them: resource types normalised to
// `azure:<provider>/<type>` (lowercase, as ARM compares them case-insensitively), and the
// subscription an Azure resource id lives in.

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** `Microsoft.Compute/virtualMachines` → `azure:compute/virtualmachines`; nested types keep their path. */
export function normaliseAzureType(armType: string): string {
  const lower = armType.trim().toLowerCase();
  const slash = lower.indexOf('/');
  const namespace = slash < 0 ? lower : lower.slice(0, slash);
  const rest = slash < 0 ? '' : lower.slice(slash);
  return `azure:${namespace.replace(/^microsoft\./, '')}${rest}`;
}

export function isSubscriptionId(value: string): boolean {
  return SUBSCRIPTION_ID.test(value);
}

/** The subscription of an ARM resource id (`/subscriptions/{id}/…`), lowercased; undefined if it is not one. */
export function subscriptionOfId(id: string): string | undefined {
  const match = /^\/subscriptions\/([^/]+)(\/|$)/i.exec(id);
  return match && isSubscriptionId(match[1]!) ? match[1]!.toLowerCase() : undefined;
}

/**
 * Whether a normalised Azure type is among the scope's resource types: `all`, or `azure:…`
 * entries compared case-insensitively with `*` as a wildcard. Other clouds' types select nothing.
 */
export function azureTypeSelected(type: string, requested: string[]): boolean {
  return requested.some((r) => {
    const want = r.trim().toLowerCase();
    if (want === 'all' || want === '*' || want === 'azure:*') return true;
    if (!want.startsWith('azure:')) return false;
    const pattern = new RegExp(`^${want.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
    return pattern.test(type);
  });
}

/** Whether any requested type can select an Azure resource (else the subscription has nothing to scan). */
export function anyAzureType(requested: string[]): boolean {
  return requested.some((r) => ['all', '*'].includes(r.trim().toLowerCase()) || r.trim().toLowerCase().startsWith('azure:'));
}

/**
 * The ARM type an Azure resource id names (case as written): `/subscriptions/S/resourceGroups/RG/
 * providers/Microsoft.Compute/virtualMachines/vm` → `Microsoft.Compute/virtualMachines`; nested
 * types keep every level (`Microsoft.Sql/servers/databases`), extension resources take the last
 * provider; a resource group or subscription id is Microsoft.Resources'. Undefined for other text.
 */
export function armTypeOfId(id: string): string | undefined {
  if (!subscriptionOfId(id)) return undefined;
  const segments = id.replace(/\/+$/, '').split('/').slice(1);
  const lower = segments.map((s) => s.toLowerCase());
  const provider = lower.lastIndexOf('providers');
  if (provider < 0) {
    if (segments.length === 2) return 'Microsoft.Resources/subscriptions';
    return segments.length === 4 && lower[2] === 'resourcegroups' ? 'Microsoft.Resources/resourceGroups' : undefined;
  }
  const namespace = segments[provider + 1];
  const rest = segments.slice(provider + 2);
  // After the namespace: type/name pairs, at least one.
  if (!namespace || rest.length < 2 || rest.length % 2 !== 0 || rest.some((s) => s === '')) return undefined;
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join('/');
}
