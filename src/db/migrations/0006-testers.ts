// The testers' side of the beta program: whether a tester's address is confirmed, tester sessions,
// one-time links (sign-in, waitlist confirmation), the waitlist, the mail outbox, and the public
// early-access fields of flags. Frozen once landed.
import { sql, type Kysely } from 'kysely';

const UP = [
  // Null: the address was never confirmed (a tester created by public feedback). Existing testers keep working.
  `ALTER TABLE beta_users ADD COLUMN verified_at timestamptz`,
  `UPDATE beta_users SET verified_at = coalesce(redeemed_at, created_at)`,
  `ALTER TABLE beta_users ADD COLUMN invited_at timestamptz`,
  `ALTER TABLE beta_users ADD COLUMN last_seen_at timestamptz`,
  `ALTER TABLE beta_users ADD COLUMN erased_at timestamptz`,
  `ALTER TABLE beta_users DROP CONSTRAINT beta_users_source_check`,
  `ALTER TABLE beta_users ADD CONSTRAINT beta_users_source_check CHECK (source IN ('admin', 'feedback', 'import', 'waitlist'))`,

  `ALTER TABLE feature_flags ADD COLUMN early_access boolean NOT NULL DEFAULT false`,
  `ALTER TABLE feature_flags ADD COLUMN public_title text CHECK (public_title IS NULL OR length(public_title) BETWEEN 1 AND 120)`,
  `ALTER TABLE feature_flags ADD COLUMN public_description text CHECK (public_description IS NULL OR length(public_description) <= 2000)`,
  `ALTER TABLE feature_flags ADD COLUMN stage text CHECK (stage IS NULL OR stage IN ('alpha', 'beta', 'preview'))`,

  `CREATE TABLE tester_sessions (
    id_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES beta_users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
  )`,
  `CREATE INDEX tester_sessions_user_id_idx ON tester_sessions (user_id)`,
  `CREATE INDEX tester_sessions_expires_at_idx ON tester_sessions (expires_at)`,

  `CREATE TABLE waitlist (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'approved')),
    user_id uuid REFERENCES beta_users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    confirmed_at timestamptz,
    approved_at timestamptz
  )`,
  `CREATE UNIQUE INDEX waitlist_email_lower_key ON waitlist (lower(email))`,
  `CREATE INDEX waitlist_status_created_at_idx ON waitlist (status, created_at, id)`,

  `CREATE TABLE tester_links (
    token_hash text PRIMARY KEY,
    purpose text NOT NULL CHECK (purpose IN ('sign_in', 'confirm')),
    user_id uuid REFERENCES beta_users (id) ON DELETE CASCADE,
    waitlist_id uuid REFERENCES waitlist (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CHECK ((user_id IS NULL) <> (waitlist_id IS NULL))
  )`,
  `CREATE INDEX tester_links_expires_at_idx ON tester_links (expires_at)`,
  `CREATE INDEX tester_links_user_id_idx ON tester_links (user_id)`,
  `CREATE INDEX tester_links_waitlist_id_idx ON tester_links (waitlist_id)`,

  // The recipient only masked, never the link: the row says that a mail went out, not what it unlocks.
  `CREATE TABLE mail_outbox (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('invite', 'sign_in', 'confirm')),
    to_masked text NOT NULL,
    user_id uuid REFERENCES beta_users (id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
    sent_at timestamptz
  )`,
  `CREATE INDEX mail_outbox_created_at_idx ON mail_outbox (created_at DESC, id DESC)`,
  `CREATE INDEX mail_outbox_user_id_idx ON mail_outbox (user_id)`,
];

const DOWN = [
  'DROP TABLE IF EXISTS mail_outbox',
  'DROP TABLE IF EXISTS tester_links',
  'DROP TABLE IF EXISTS waitlist',
  'DROP TABLE IF EXISTS tester_sessions',
  'ALTER TABLE feature_flags DROP COLUMN IF EXISTS stage',
  'ALTER TABLE feature_flags DROP COLUMN IF EXISTS public_description',
  'ALTER TABLE feature_flags DROP COLUMN IF EXISTS public_title',
  'ALTER TABLE feature_flags DROP COLUMN IF EXISTS early_access',
  `ALTER TABLE beta_users DROP CONSTRAINT beta_users_source_check`,
  `ALTER TABLE beta_users ADD CONSTRAINT beta_users_source_check CHECK (source IN ('admin', 'feedback', 'import'))`,
  'ALTER TABLE beta_users DROP COLUMN IF EXISTS erased_at',
  'ALTER TABLE beta_users DROP COLUMN IF EXISTS last_seen_at',
  'ALTER TABLE beta_users DROP COLUMN IF EXISTS invited_at',
  'ALTER TABLE beta_users DROP COLUMN IF EXISTS verified_at',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
