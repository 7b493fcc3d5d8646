// The HTTP shapes of the tester API and of invite redemption: request schemas (what Ajv accepts)
// and response schemas (what the serializer writes). The console imports their types.
import { Type } from 'typebox';
import { optionalBody } from '../../core/body-schema.js';

export const TesterEmail = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
// Keys must be flag names: other keys are refused, not ignored.
/** Per-flag overrides: true/false turns a flag on/off for the tester; a variant's name pins that variant of a typed flag. */
const FlagSetValue = Type.Union([Type.Boolean(), Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })]);
export const TesterFlagSet = Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' }), FlagSetValue, {
  maxProperties: 200,
  additionalProperties: false,
});
export const TesterNotes = Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]);
export const TesterCsrf = Type.Optional(Type.String({ maxLength: 200 }));
export const TesterRole = Type.Union([Type.Literal('TESTER'), Type.Literal('ADMIN')]);
export const TesterSource = Type.Union([Type.Literal('admin'), Type.Literal('feedback'), Type.Literal('import'), Type.Literal('waitlist')]);
export const TesterStatus = Type.Union([
  Type.Literal('invited'),
  Type.Literal('active'),
  Type.Literal('unverified'),
  Type.Literal('inactive'),
]);
const OptionalTime = Type.Union([Type.String(), Type.Null()]);
export const TesterParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const TesterOut = Type.Object({
  id: Type.String(),
  email: Type.String(),
  invite_code: Type.String(),
  invite_url: Type.String(),
  flag_set: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String()])),
  status: TesterStatus,
  /** When the tester joined (redeemed the invite or confirmed the address); null before. */
  joined_at: OptionalTime,
  redeemed_at: OptionalTime,
  /** When an invite mail last went out. */
  invited_at: OptionalTime,
  last_seen_at: OptionalTime,
  is_active: Type.Boolean(),
  role: Type.String(),
  notes: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const TesterListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 254 })),
    role: Type.Optional(TesterRole),
    active: Type.Optional(Type.Boolean()),
    source: Type.Optional(TesterSource),
    /** false: invited, not joined yet. */
    joined: Type.Optional(Type.Boolean()),
    order: Type.Optional(Type.Union([Type.Literal('oldest'), Type.Literal('newest')])),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export const TesterListResponse = Type.Object({
  items: Type.Array(TesterOut),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  /** On the first page: how many testers the filter selects (counted up to 10,000); null on later pages. */
  matches: Type.Union([Type.Null(), Type.Object({ count: Type.Integer(), capped: Type.Boolean() })]),
});
/** Query strings that take no parameters refuse unknown ones (say `?all=1`). */
export const NoQuery = Type.Object({}, { additionalProperties: false });
export const TesterSummary = Type.Object({
  total: Type.Integer(),
  active: Type.Integer(),
  admins: Type.Integer(),
  redeemed: Type.Integer(),
  joined_7d: Type.Integer(),
});

export const TesterCreateBody = Type.Object(
  {
    email: TesterEmail,
    role: Type.Optional(TesterRole),
    notes: Type.Optional(TesterNotes),
    flag_set: Type.Optional(TesterFlagSet),
    _csrf: TesterCsrf,
  },
  { additionalProperties: false },
);
export const TesterPatchBody = Type.Object(
  {
    is_active: Type.Optional(Type.Boolean()),
    notes: Type.Optional(TesterNotes),
    flag_set: Type.Optional(TesterFlagSet),
    role: Type.Optional(TesterRole),
    _csrf: TesterCsrf,
  },
  { additionalProperties: false, minProperties: 1 },
);
export const TesterInviteBody = optionalBody(Type.Object({ _csrf: TesterCsrf }, { additionalProperties: false }));
export const TesterImportBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 60_000 }), _csrf: TesterCsrf },
  { additionalProperties: false },
);
export const TesterImportResponse = Type.Object({
  created: Type.Array(TesterOut),
  duplicates: Type.Array(Type.String()),
  invalid: Type.Array(Type.Object({ line: Type.Integer(), value: Type.String(), reason: Type.String() })),
});

export const RedeemBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 100 }), email: TesterEmail },
  { additionalProperties: false },
);
export const RedeemResponse = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.String(),
  joined_at: Type.String(),
  flag_set: Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String()])),
});
