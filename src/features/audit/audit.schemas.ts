// The HTTP shapes of the audit log API: the list's filters (what Ajv accepts) and its page of
// entries (what the serializer writes). The console imports their types.
import { Type } from 'typebox';

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    entity_type: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Contained (case-insensitively) in the actor, the entity's id or the entity's name. */
    q: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^\\u0000]*$' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const AuditItem = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  entity_type: Type.String(),
  entity_id: Type.Union([Type.String(), Type.Null()]),
  /** What the entry is about, by name: a flag's name, a tester's email, a token's name; null when unknown. */
  entity_name: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  request_id: Type.Union([Type.String(), Type.Null()]),
  /** What the person said about the change when they reviewed it. */
  comment: Type.Union([Type.String(), Type.Null()]),
});

export const AuditPage = Type.Object({
  items: Type.Array(AuditItem),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  /** For a search (`q`), on its first page: how many entries match, counted up to 1,000 (`capped` past that). */
  matches: Type.Union([Type.Null(), Type.Object({ count: Type.Integer(), capped: Type.Boolean() })]),
});
