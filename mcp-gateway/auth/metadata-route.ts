// GET /.well-known/oauth-protected-resource (and its path-suffixed form for /mcp): the RFC 9728
// document telling clients which authorization server issues tokens for this gateway. Public by
// design (clients read it before they have a token), so it is served without authentication,
// behind the Host/Origin guard and a rate limit per client address of its own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, RPC } from '../http/errors.js';
import type { ProtectedResource } from './protected-resource.js';

export function registerProtectedResourceMetadata(app: FastifyInstance, resource: ProtectedResource): void {
  const rateLimit = {
    keyGenerator: (req: FastifyRequest) => `oauth-metadata:${req.ip}`,
    errorResponseBuilder: (_req: FastifyRequest, ctx: { statusCode: number; max: number; after: string }) =>
      new HttpError(ctx.statusCode, RPC.rateLimited,
        `Too Many Requests: the limit of the resource metadata is ${ctx.max} requests per minute per client address; retry in ${ctx.after}`),
  };
  for (const url of resource.metadataPaths()) {
    app.get(url, { config: { rateLimit } }, async (req, reply) =>
      reply.header('cache-control', 'public, max-age=300').type('application/json; charset=utf-8').send(resource.metadata(req.headers.host)));
  }
}
