// Every feature's service, wired to the others through the small interfaces each declares. The
// server and the CLI both start here, so a command works exactly as the API does. Creating the
// services does no I/O: features start their work when their plugin is registered.
import type { FastifyBaseLogger } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from './core/clock.js';
import type { Config } from './core/config.js';
import { createMailer } from './core/mailer.js';
import type { Database } from './db/database.js';
import { createAuditService, recordAudit, type AuditService } from './features/audit/index.js';
import { createAuthService, type AuthService } from './features/auth/index.js';
import { createBetaUsersService, type BetaUsersService } from './features/beta-users/index.js';
import { createDbInsights, type DbInsights } from './features/db-insights/index.js';
import { createExperimentsService, type ExperimentsService, type FlagVariants } from './features/experiments/index.js';
import { createFeedbackService, type FeedbackService } from './features/feedback/index.js';
import { createFlagsFeature, type FlagsFeature } from './features/flags/index.js';
import { createKpisFeature, type KpisFeature } from './features/kpis/index.js';
import { createTestersService, type TesterFeedback, type TestersService } from './features/testers/index.js';
import { createRollouts, type RolloutsService } from './features/rollouts/index.js';
import { createTokensService, type TokensService } from './features/tokens/index.js';

export interface ServicesDeps {
  config: Config;
  database: Database;
  clock: Clock;
  logger: Pick<FastifyBaseLogger, 'warn' | 'info' | 'debug'>;
  instanceId: string;
  /** Where the services' own Prometheus metrics go; undefined for the CLI. */
  registry?: Registry;
}

export interface Services {
  audit: AuditService;
  tokens: TokensService;
  auth: AuthService;
  flags: FlagsFeature;
  users: BetaUsersService;
  feedback: FeedbackService;
  kpis: KpisFeature;
  dbInsights: DbInsights;
  testers: TestersService;
  experiments: ExperimentsService;
  rollouts: RolloutsService;
}

/** Attempts per tester mail (waits of 1, 2 and 4 s between them). */
const MAIL_ATTEMPTS = 4;

const warnWith = (logger: ServicesDeps['logger'], msg: string) => (err: unknown) =>
  logger.warn({ err: { message: (err as Error).message } }, msg);

/** A flag's variants as experiments see them: a boolean flag's are off (the control) and on. */
function variantsOf(flags: FlagsFeature, name: string): FlagVariants | undefined {
  const flag = flags.store.get(name);
  if (!flag) return undefined;
  if (flag.value_type === 'boolean' || flag.default_variant === null) {
    return {
      valueType: 'boolean',
      defaultVariant: 'off',
      variants: [
        { name: 'off', weight: null },
        { name: 'on', weight: null },
      ],
    };
  }
  return {
    valueType: flag.value_type,
    defaultVariant: flag.default_variant,
    variants: flag.variants.map((v) => ({ name: v.name, weight: v.weight })),
  };
}

function kpisWith(deps: ServicesDeps): KpisFeature {
  const { config } = deps;
  const { clock, logger, instanceId } = deps;
  return createKpisFeature({ db: deps.database.db, instanceId, intervalS: config.metricsIntervalS, alerts: config.alerts, clock, logger });
}

/** Rollouts wired to the flags' audited change path and the alert webhook. */
function rolloutsWith(deps: ServicesDeps, flags: FlagsFeature, kpis: KpisFeature): RolloutsService {
  const { clock } = deps;
  return createRollouts({
    db: deps.database.db,
    flags: {
      current: (name) => flags.store.get(name),
      update: (name, patch, expectedVersion, by) => flags.service.update(name, patch, expectedVersion, by),
    },
    recordAudit,
    clock,
    instanceId: deps.instanceId,
    alert: (a) => {
      const at = clock();
      kpis.notify({ kind: 'open', id: null, ...a, instanceId: deps.instanceId, firstSeen: at, lastSeen: at, resolvedAt: null });
    },
    logger: deps.logger,
  });
}

export async function createServices(deps: ServicesDeps): Promise<Services> {
  const { config, database, clock, logger } = deps;
  const db = database.db;
  const flags = createFlagsFeature({ db, listen: (...args) => database.listen(...args), recordAudit, clock, logger });
  const users = createBetaUsersService({ db, recordAudit, overridesChanged: (trx) => flags.overridesChanged(trx) });
  const submitted = deps.registry
    ? new Counter({ name: 'feedback_submitted_total', help: 'Feedback rows stored', registers: [deps.registry] })
    : undefined;
  const feedback = createFeedbackService({
    db,
    ensureTester: (trx, email) => users.ensureTester(trx, email),
    recordAudit,
    onSubmitted: () => submitted?.inc(),
    clock,
  });
  const testers = createTestersService({
    db,
    accounts: users.accounts,
    feedback: {
      submit: async (f) =>
        (
          await feedback.submit(
            { email: f.email, rating: f.rating, feature: f.feature ?? undefined, comment: f.comment ?? undefined },
            undefined,
          )
        ).body,
      forTester: async (userId) => (await feedback.forTester(userId)) as TesterFeedback[],
    },
    flags: {
      all: () => flags.service.snapshot(),
      // A typed flag counts as on here when its answer is true only: testers' portal lists on/off features.
      valueFor: (name, tester) => flags.service.explain(name, { targetingKey: tester.id, email: tester.email }).value === true,
      overridesChanged: (trx) => flags.overridesChanged(trx),
      refreshOverrides: () => flags.store.apply({ op: 'overrides' }),
      forgetTarget: async (trx, email, actor, requestId) => {
        const changes = await flags.service.dropTargetEmail(trx, email, { actor, requestId });
        return () => flags.service.applyCommitted(changes);
      },
    },
    recordAudit,
    clock,
    mailer: config.smtpUrl ? createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, attempts: MAIL_ATTEMPTS }) : undefined,
    mailAttempts: MAIL_ATTEMPTS,
    oidcEnabled: config.googleClientId !== undefined && config.googleClientSecret !== undefined,
    publicUrl: config.publicUrl,
    programName: config.programName,
    idleTimeoutMs: config.sessionIdleTimeoutMin * 60_000,
    absoluteTimeoutMs: config.sessionAbsoluteTimeoutH * 3_600_000,
    logger,
  });
  const kpis = kpisWith(deps);
  return {
    experiments: createExperimentsService({ db, clock, flagVariants: (name) => variantsOf(flags, name) }),
    audit: createAuditService(db),
    tokens: createTokensService(db, { recordAudit, onTouchError: warnWith(logger, 'could not record token use') }),
    auth: createAuthService({
      db,
      adminEmails: config.adminEmails,
      idleTimeoutMs: config.sessionIdleTimeoutMin * 60_000,
      absoluteTimeoutMs: config.sessionAbsoluteTimeoutH * 3_600_000,
      now: clock,
      recordAudit,
      onBackgroundError: warnWith(logger, 'could not record session use'),
    }),
    flags,
    users,
    feedback,
    testers,
    kpis,
    rollouts: rolloutsWith(deps, flags, kpis),
    dbInsights: await createDbInsights({
      db,
      kind: database.kind,
      poolState: () => database.poolState(),
      slowQueryMs: config.slowQueryMs,
      cooldownMs: config.slowQueryCooldownS * 1000,
      explainTimeoutMs: config.explainTimeoutMs,
      logger,
    }),
  };
}
