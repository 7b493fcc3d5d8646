// The feedback widget as the app sees it: one plugin serving GET /widget.js, the script other sites
// embed to collect ratings (it posts to the feedback feature's public POST /api/feedback).
import type { FastifyInstance } from 'fastify';
import { widgetRoutes, type WidgetRouteDeps } from './widget.routes.js';

export { WIDGET_CACHE_CONTROL } from './widget.routes.js';
export type { WidgetRouteDeps } from './widget.routes.js';

export async function widgetPlugin(fastify: FastifyInstance, deps: WidgetRouteDeps): Promise<void> {
  await widgetRoutes(fastify, deps);
}
