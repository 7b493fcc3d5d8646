// The vocabulary of the audit log, shared by every feature that records changes.

export interface AuditEntry {
  /** Who: an email, `token:<name>`, `cli`, or `anonymous`. */
  actor: string;
  /** What, as `entity.verb`: `token.create`, `flag.update`, `auth.sign_in_refused`. */
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  /** What the person said about the change; by default the comment sent with the request making it. */
  comment?: string | null;
}
