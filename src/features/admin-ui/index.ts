// The admin console feature as the app sees it: one factory for its pages, static files and 403 page.
export { createAdminConsole, type AdminConsole, type AdminConsoleOptions } from './admin-ui.routes.js';
