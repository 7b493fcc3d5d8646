// Beta testers' public surface: the service (also the feedback feature's `ensureTester`) and the
// plugin serving the admin tester API and the public invite redemption.
import type { FastifyInstance } from 'fastify';
import { betaUserRoutes } from './beta-users.routes.js';
import type { BetaUsersService } from './beta-users.service.js';

export { createBetaUsersService, type BetaUsersService, type Funnel, type TesterAccounts } from './beta-users.service.js';

export interface BetaUsersPluginOptions {
  users: BetaUsersService;
  /** Invite links are built on it. */
  publicUrl: string;
  /** Redemptions per minute per client. */
  redeemRateLimitPerMin: number;
  /** A tester's feedback, newest first, shown with the tester. */
  feedbackFor?: (userId: string) => Promise<unknown[]>;
}

/** /api/admin/users…, /api/beta/redeem. */
export async function betaUsersPlugin(fastify: FastifyInstance, opts: BetaUsersPluginOptions): Promise<void> {
  await fastify.register(betaUserRoutes, opts);
}
