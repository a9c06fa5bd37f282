// The resource model shared by every layer: one cloud resource as a scanner sees it.

export type Cloud = 'aws' | 'azure' | 'gcp';

/** Where a resource sits in the network, as its list API reports it; what tag suggestions learn from. */
export interface ResourceContext {
  vpc?: string;
  subnet?: string;
  securityGroups?: string[];
}

export interface Resource {
  cloud: Cloud;
  /** AWS account id, Azure subscription id or GCP project id. */
  account: string;
  /** Region or location; "global" for global services. */
  region: string;
  /** Always `service:kind`, e.g. `ec2:instance`, the same string everywhere. */
  type: string;
  /** ARN, Azure resource id or GCP full resource name; unique within a cloud. */
  id: string;
  name?: string;
  tags: Record<string, string>;
  /** Lifecycle state where the service has one (e.g. running / stopped). */
  state?: string;
  /** ISO-8601 creation time, when known. */
  created?: string;
  /** Estimated monthly cost in USD, when known. */
  monthlyCost?: number;
  /** VPC, subnet and security groups, when the lister sees them. */
  context?: ResourceContext;
}
