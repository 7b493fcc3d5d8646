// Small helpers shared by the global setup and the per-file database helpers.
export const TEMPLATE_DATABASE = 'beta_suite_template';

export const quietLogger = { warn: () => undefined, info: () => undefined };

/** The same server, connected to its maintenance database (to create and drop test databases). */
export function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
