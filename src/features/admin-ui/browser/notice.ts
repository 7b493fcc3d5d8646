// Pages outside the console (no access, signed out): the sign-out button.
import './common.js';
