// GET /widget.js: the feedback widget other sites embed. Its URL is fixed (it is written into the
// embedding pages), so it cannot be cached as immutable: an hour fresh, then revalidated by ETag
// (stale-while-revalidate hides that round trip for a day), so a fix reaches every page within the hour.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { acceptsGzip, loadWidgetScript, matchesEtag, type WidgetScript } from './widget-script.js';

export const WIDGET_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

export interface WidgetRouteDeps {
  /** The script to serve; read from dist/ when not given. */
  script?: WidgetScript;
}

export async function widgetRoutes(fastify: FastifyInstance, deps: WidgetRouteDeps): Promise<void> {
  const script = deps.script ?? loadWidgetScript();
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/widget.js',
    {
      schema: {
        // A version parameter some pages add to bust caches: accepted and ignored.
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }),
        headers: Type.Object({
          'if-none-match': Type.Optional(Type.String({ maxLength: 1000 })),
          'accept-encoding': Type.Optional(Type.String({ maxLength: 1000 })),
        }),
      },
    },
    async (request, reply) => {
      // A public file with no credentials involved: any page may load it with `crossorigin`
      // (for error details or Subresource Integrity), and the resource policy lets any site embed it.
      void reply
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('cache-control', WIDGET_CACHE_CONTROL)
        .header('etag', script.etag)
        .header('vary', 'accept-encoding')
        .type('text/javascript; charset=utf-8');
      if (matchesEtag(request.headers['if-none-match'], script.etag)) return reply.code(304).send();
      if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(script.gzipped);
      return reply.send(script.body);
    },
  );
}
