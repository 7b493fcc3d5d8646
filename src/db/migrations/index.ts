// The ordered list of migrations, bundled with the code (no directory scanning at run time).
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial-schema.js';
import * as m0002 from './0002-kpis-alerts.js';
import * as m0003 from './0003-console-identities.js';
import * as m0004 from './0004-audit-fold-key.js';
import * as m0005 from './0005-feedback-counter-slots.js';
import * as m0006 from './0006-testers.js';
import * as m0007 from './0007-client-access.js';
import * as m0008 from './0008-flag-variants.js';
import * as m0009 from './0009-feedback-variants.js';
import * as m0010 from './0010-experiment-exposures.js';
import * as m0011 from './0011-rollouts.js';
import * as m0012 from './0012-flag-stickiness.js';
import * as m0013 from './0013-audit-comment.js';
import * as m0014 from './0014-flag-rules-segments.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial-schema': m0001,
  '0002-kpis-alerts': m0002,
  '0003-console-identities': m0003,
  '0004-audit-fold-key': m0004,
  '0005-feedback-counter-slots': m0005,
  '0006-testers': m0006,
  '0007-client-access': m0007,
  '0008-flag-variants': m0008,
  '0009-feedback-variants': m0009,
  '0010-experiment-exposures': m0010,
  '0011-rollouts': m0011,
  '0012-flag-stickiness': m0012,
  '0013-audit-comment': m0013,
  '0014-flag-rules-segments': m0014,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
