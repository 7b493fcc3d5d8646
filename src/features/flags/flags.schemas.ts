// The HTTP shapes of the flag API and of OFREP: request schemas (what Ajv accepts) and response
// schemas (what the serializer writes). The console imports their types.
import { Type } from 'typebox';
import { optionalBody } from '../../core/http.js';

export const FlagName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
export const FlagCsrf = Type.Optional(Type.String({ maxLength: 200 }));
export const FlagParams = Type.Object({ name: FlagName });
export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 50 })) });

const editable = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  is_enabled: Type.Optional(Type.Boolean()),
  rollout_percentage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  target_users: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 1000 })),
  conditions: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50 })),
  permanent: Type.Optional(Type.Boolean()),
  _csrf: FlagCsrf,
};
export const FlagCreateBody = Type.Object({ name: FlagName, ...editable }, { additionalProperties: false });
export const FlagPatchBody = Type.Object(editable, { additionalProperties: false });
export const FlagToggleBody = optionalBody(Type.Object({ _csrf: FlagCsrf }, { additionalProperties: false }));
export const FlagExplainBody = Type.Object(
  {
    context: Type.Object({ targetingKey: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true }),
    _csrf: FlagCsrf,
  },
  { additionalProperties: false },
);

export const FlagOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  is_enabled: Type.Boolean(),
  rollout_percentage: Type.Integer(),
  target_users: Type.Array(Type.String()),
  conditions: Type.Array(Type.Unknown()),
  permanent: Type.Boolean(),
  version: Type.Integer(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  full_rollout_since: Type.Union([Type.String(), Type.Null()]),
});
export const EvaluationPoint = Type.Object({ at: Type.String(), evaluations: Type.Integer(), true_count: Type.Integer() });
export const FlagAdoption = Type.Object({
  evaluations_24h: Type.Integer(),
  true_share_24h: Type.Union([Type.Number(), Type.Null()]),
  evaluations_7d: Type.Integer(),
  true_share_7d: Type.Union([Type.Number(), Type.Null()]),
  last_evaluated_hour: Type.Union([Type.String(), Type.Null()]),
  stale: Type.Boolean(),
  stale_reason: Type.Union([Type.String(), Type.Null()]),
});
export const FlagListResponse = Type.Object({ items: Type.Array(Type.Intersect([FlagOut, Type.Object({ adoption: FlagAdoption })])) });
export const FlagDetailResponse = Type.Intersect([
  FlagOut,
  Type.Object({
    adoption: FlagAdoption,
    evaluations: Type.Object({ hourly_24h: Type.Array(EvaluationPoint), daily_30d: Type.Array(EvaluationPoint) }),
  }),
]);

export const OfrepContext = Type.Object({ targetingKey: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true });
export const OfrepBody = optionalBody(Type.Object({ context: Type.Optional(OfrepContext) }, { additionalProperties: true }));
export const OfrepParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });
export const FlagStreamHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 100 })) });
