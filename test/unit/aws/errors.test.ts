// The one mapping from AWS SDK errors to our own short messages. Errors are the SDK's own:
// service exceptions built with the SDK's classes, and real calls to a closed port and to a
// local server that answers garbage, so what the SDK really throws is what gets mapped.
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient, ThrottledException } from '@aws-sdk/client-resource-groups-tagging-api';
import { ApplicationFailure } from '@temporalio/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCall, describeAwsError, toActivityFailure } from '../../../cloud/aws/errors.js';
import { getResourcesPage } from '../../../cloud/aws/tags.js';
import { freePort } from '../../../worker/dev-server.js';

const PRINCIPAL = 'arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/finops-tag-compliance';

function serviceError(name: string, message = 'the service said no'): DynamoDBServiceException {
  return new DynamoDBServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

function taggingClient(endpoint: string, region: string): ResourceGroupsTaggingAPIClient {
  return new ResourceGroupsTaggingAPIClient({
    endpoint, region, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/** What the SDK throws for one GetResources call, through the helper scans use. */
async function thrownBy(endpoint: string, region: string): Promise<unknown> {
  const client = taggingClient(endpoint, region);
  try {
    await getResourcesPage(client, undefined, undefined);
  } catch (err) {
    return err;
  } finally {
    client.destroy();
  }
  throw new Error('the call was expected to fail');
}

describe('describeAwsError', () => {
  it('names denied calls without the principal and does not retry them', () => {
    const err = serviceError('AccessDeniedException', `User: ${PRINCIPAL} is not authorized to perform: dynamodb:ListTables`);
    const info = describeAwsError(err, { service: 'dynamodb', operation: 'ListTables', region: 'eu-west-1' });
    expect(info).toMatchObject({
      type: 'AccessDenied', nonRetryable: true, message: 'access denied to dynamodb:ListTables in eu-west-1 (AccessDeniedException)',
    });
    expect(info.detail).toContain('is not authorized to perform: dynamodb:ListTables');
    expect(info.detail).not.toContain(PRINCIPAL);
  });

  it('maps throttling, opted-out regions and invalid input to their types', () => {
    const site = { service: 'tag', operation: 'GetResources', region: 'ap-east-1' };
    const throttled = new ThrottledException({ $metadata: {}, message: 'Rate exceeded' });
    expect(describeAwsError(throttled, site)).toMatchObject({
      type: 'Throttled', nonRetryable: false, message: 'AWS tag:GetResources in ap-east-1 is throttling requests (ThrottledException)',
    });
    expect(describeAwsError(serviceError('UnrecognizedClientException'), site)).toMatchObject({
      type: 'RegionNotEnabled', nonRetryable: true,
      message: 'region ap-east-1 is not enabled for this account, or the credentials are not valid there (UnrecognizedClientException)',
    });
    expect(describeAwsError(serviceError('ValidationException'), site)).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });

  it('says which call failed for any other service error, keeping its name', () => {
    const info = describeAwsError(serviceError('InternalServerError', 'We encountered an internal error'), { service: 'dynamodb', region: 'us-east-1' });
    expect(info).toMatchObject({ type: 'InternalServerError', nonRetryable: false, message: 'dynamodb call failed in us-east-1 (InternalServerError)' });
  });
});

describe('errors of real calls', () => {
  let garbage: http.Server;
  let garbageEndpoint: string;

  beforeAll(async () => {
    // What a captive portal, a wrong endpoint or an emulator asked for an unknown region sends back.
    garbage = http.createServer((_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<!doctype html><h1>oops</h1>'));
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    garbageEndpoint = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => garbage?.close(resolve));
  });

  it('an unreadable response becomes "unexpected response", without the SDK\'s deserialization text', async () => {
    const err = await thrownBy(garbageEndpoint, 'zz-fake-9');
    expect(String((err as Error).message)).toMatch(/Deserialization error/); // what used to reach the caller
    const info = describeAwsError(err);
    expect(info).toMatchObject({ type: 'UnexpectedResponse', message: 'unexpected response from AWS tag:GetResources in zz-fake-9 (HTTP 500)' });
    expect(info.detail).toContain('HTTP 500');
  });

  it('a closed port becomes "could not reach the AWS endpoint" without host or port', async () => {
    const port = await freePort();
    const err = await thrownBy(`http://127.0.0.1:${port}`, 'eu-west-1');
    expect(String((err as Error).message)).toContain(`127.0.0.1:${port}`);
    const info = describeAwsError(err);
    expect(info.type).toBe('Unreachable');
    expect(info.message).toBe('could not reach the AWS endpoint for tag:GetResources in eu-west-1 (check the region name and the network)');
    expect(info.message).not.toContain(String(port));
    expect(info.detail).toContain('ECONNREFUSED');
  });

  it('a failed activity names its target and type in our words only', async () => {
    const client = taggingClient(garbageEndpoint, 'zz-fake-9');
    const err = await awsCall({ service: 'tag', operation: 'GetResources', region: 'zz-fake-9' }, () => client.send(new GetResourcesCommand({})))
      .catch((e: unknown) => e);
    client.destroy();
    const failure = toActivityFailure(err, '111111111111/zz-fake-9/tagged:all');
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'UnexpectedResponse', nonRetryable: false,
      message: '111111111111/zz-fake-9/tagged:all: UnexpectedResponse: unexpected response from AWS tag:GetResources in zz-fake-9 (HTTP 500)',
    });
    expect(failure.message).not.toMatch(/\$response|Deserialization|127\.0\.0\.1/);
    // The site travels on the error itself: the SDK's own name is untouched for callers that check it.
    expect((err as Error).name).toBe('SyntaxError');
  });
});
