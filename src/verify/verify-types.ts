// What `beta-suite verify` is asked and what it answers: one result per check and instance.

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  /** The instance's base URL, or `all` for checks across the fleet. */
  instance: string;
  status: CheckStatus;
  detail: string;
  /** For failures: where to look. */
  hint?: string;
}

export interface VerifyOptions {
  urls: string[];
  /** An API token; `admin` scope enables the round trips, `monitor` the database figures. */
  token?: string;
  /** A one-time sign-in link (`beta-suite admin-link`) for the CSRF checks on a real cookie session. */
  loginLink?: string;
  /** Per-request timeout. Default 5 000 ms. */
  timeoutMs?: number;
  /** Largest acceptable database p95 (ms). Default 50. */
  dbP95Ms?: number;
  /** How long a flag change may take to reach every instance (ms). Default 1 000. */
  propagationMs?: number;
  /** Count the run as passed even when checks were skipped for want of credentials. */
  allowSkip?: boolean;
}

export interface VerifyReport {
  startedAt: string;
  durationMs: number;
  ok: boolean;
  counts: Record<CheckStatus, number>;
  results: CheckResult[];
}
