// The tester pages as the app sees them: one plugin serving join, sign in, the waitlist and the
// portal under /beta/ (the JSON API behind them is the testers feature's).
export { testerPortalPlugin } from './tester-portal.routes.js';
