// The CLI's usage text, and the error for a command line it cannot run (reported with that text, exit code 2).
export class UsageError extends Error {}

export const USAGE = `Usage: beta-suite <command> [options]

Commands:
  serve [--port N] [--host H]               start the server (default command)
  migrate                                   apply pending database migrations and exit
  token create --name N --scope S           create an API token (scopes: evaluate, monitor, admin, client, sync); prints it once
  token list                                list API tokens (never their values)
  token revoke ID                           revoke an API token
  flags export [--out FILE]                 every flag's definition as a versioned JSON document (stdout or FILE)
  flags import FILE [--dry-run] [--environment E] [--json]
                                            import a flag export or an Unleash export; prints the plan
  admin-link                                print a one-time owner sign-in link (15 minutes, single use)
  db-report [--json]                        query statistics, slow queries, index suggestions, schema health
  verify --url U [--url U2 …] [--token T] [--login-link L] [--db-p95-ms 50] [--allow-skip] [--json]
                                            check running instances against the acceptance criteria;
                                            exit 0 only when every check passed (--allow-skip: every
                                            check that could run)

Configuration comes from the environment; see README.md.`;
