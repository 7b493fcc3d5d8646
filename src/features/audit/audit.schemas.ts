// The HTTP shapes of the audit log API: the list's filters (what Ajv accepts) and its page of
// entries (what the serializer writes). The console imports their types.
import { Type } from 'typebox';

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    entity_type: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
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
  before: Type.Unknown(),
  after: Type.Unknown(),
  request_id: Type.Union([Type.String(), Type.Null()]),
  /** What the person said about the change when they reviewed it. */
  comment: Type.Union([Type.String(), Type.Null()]),
});

export const AuditPage = Type.Object({ items: Type.Array(AuditItem), next_cursor: Type.Union([Type.String(), Type.Null()]) });
