// The tester JSON API's answers, typed from the testers feature's TypeBox schemas (its HTTP
// contract), so a changed response fails the type check here. Types only: nothing of this reaches
// the browser.
import type { Static } from 'typebox';
import type { FeatureOut, MeResponse, ProgramOut, TesterFeedbackOut } from '../../testers/testers.schemas.js';

/** GET /api/beta/program: the name, and false for mail_enabled when the server sends no mail. */
export type Program = Static<typeof ProgramOut>;
/** GET /api/beta/me */
export type Me = Static<typeof MeResponse>;
/** A feature the tester may try, with whether it is on for them and why. */
export type EarlyFeature = Static<typeof FeatureOut>;
export type Stage = EarlyFeature['stage'];
export type Reason = EarlyFeature['reason'];
/** One of the tester's own ratings. */
export type MyFeedback = Static<typeof TesterFeedbackOut>;
