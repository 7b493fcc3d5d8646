// The one notion of "now" every feature takes, so tests can move time.

/** Returns the current time; tests pass one they control. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
