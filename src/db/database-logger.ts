// What the database modules log: lost connections as warnings, state changes as information.
export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}
