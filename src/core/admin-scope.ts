// The admin scope: every route under these prefixes is for owners and admins only (the auth
// feature guards them; success metrics count their use).

export const ADMIN_PREFIXES = ['/api/admin/', '/admin/'];

/** Whether a route template, or a request's URL (its query string ignored), lies in the admin scope. */
export function isAdminPath(url: string): boolean {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return ADMIN_PREFIXES.some((p) => path.startsWith(p) || path === p.slice(0, -1));
}
