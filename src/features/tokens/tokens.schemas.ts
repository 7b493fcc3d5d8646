// The HTTP shapes of the API token routes: what creating and revoking accept (checked by Ajv) and
// the token summaries they answer with (written by the serializer). The console imports their types.
import { Type } from 'typebox';

export const TokenCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: Type.Union([
      Type.Literal('evaluate'),
      Type.Literal('monitor'),
      Type.Literal('admin'),
      Type.Literal('client'),
      Type.Literal('sync'),
    ]),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const TokenParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const TokenItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token_prefix: Type.String(),
  scope: Type.String(),
  created_by: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});
export const TokenList = Type.Object({ items: Type.Array(TokenItem) });
/** The new token's summary with the token itself, shown this once. */
export const CreatedToken = Type.Intersect([TokenItem, Type.Object({ token: Type.String() })]);
