// The admin scope: every route under these prefixes is for owners and admins only (the auth
// feature guards them; success metrics count their use).

export const ADMIN_PREFIXES = ['/api/admin/', '/admin/'];

export const isAdminPath = (url: string): boolean => ADMIN_PREFIXES.some((p) => url.startsWith(p) || url === p.slice(0, -1));
