// Feedback counts move from one row per day, feature and rating (every concurrent writer waited on
// its lock) to counter slots: writers spread over up to 64 rows of a day, feature and rating, and
// `feedback_stats_daily` becomes the view that sums them. Existing counts land in slot 0, exactly.
// Idempotency keys are scoped to their caller too: one client's key never replays another's.
// Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  `CREATE TABLE feedback_stat_slots (
    day date NOT NULL,
    feature text NOT NULL DEFAULT '',
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    slot smallint NOT NULL CHECK (slot >= 0),
    count bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, feature, rating, slot)
  )`,
  `INSERT INTO feedback_stat_slots (day, feature, rating, slot, count)
    SELECT day, feature, rating, 0, count FROM feedback_stats_daily WHERE count > 0`,
  `DROP TABLE feedback_stats_daily`,
  `CREATE VIEW feedback_stats_daily AS
    SELECT day, feature, rating, sum(count)::bigint AS count FROM feedback_stat_slots
    GROUP BY day, feature, rating HAVING sum(count) > 0`,

  // Keys stored before this migration belonged to no known caller: they replay for nobody.
  `ALTER TABLE idempotency_keys ADD COLUMN caller text NOT NULL DEFAULT ''`,
  `ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`,
  `ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, caller, key)`,
];

const DOWN = [
  `DELETE FROM idempotency_keys WHERE caller <> ''`,
  `ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`,
  `ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key)`,
  `ALTER TABLE idempotency_keys DROP COLUMN caller`,

  `DROP VIEW feedback_stats_daily`,
  `CREATE TABLE feedback_stats_daily (
    day date NOT NULL,
    feature text NOT NULL DEFAULT '',
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    count bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, feature, rating)
  )`,
  `INSERT INTO feedback_stats_daily (day, feature, rating, count)
    SELECT day, feature, rating, sum(count) FROM feedback_stat_slots GROUP BY day, feature, rating HAVING sum(count) > 0`,
  `DROP TABLE feedback_stat_slots`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
