// ARN to resource model fields, with the SDK's own ARN parser.
import { parse, validate } from '@aws-sdk/util-arn-parser';
import { kindOfArnResource } from './resource-types.js';

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
  /** `service:kind`, e.g. `ec2:instance`. */
  type: string;
  /** The last path segment of the resource: the id or name. */
  name: string;
}

export class ArnError extends Error {
  override name = 'ArnError';
}

export function isArn(value: string): boolean {
  return validate(value) && parse(value).service !== '';
}

export function parseArn(arn: string): ArnParts {
  if (!validate(arn)) throw new ArnError(`not an ARN: ${JSON.stringify(arn.slice(0, 200))}`);
  const { partition, service, region, accountId, resource } = parse(arn);
  if (!service || !resource) throw new ArnError(`ARN has no service or resource: ${JSON.stringify(arn.slice(0, 200))}`);
  const kind = kindOfArnResource(service, resource);
  const name = resource.split(/[/:]/).filter(Boolean).at(-1) ?? resource;
  return { partition, service, region, accountId, resource, type: `${service}:${kind}`, name };
}

/** The region a resource is reported in: its ARN's, or `global` for ARNs without one (IAM, S3). */
export function regionOfArn(parts: ArnParts): string {
  return parts.region || 'global';
}
