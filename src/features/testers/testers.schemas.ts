// The HTTP shapes of the testers' API (public, tester session, and the owner's additions):
// request schemas (what Ajv accepts) and response schemas (what the serializer writes). The tester
// pages and the console read their types.
import { Type } from 'typebox';
import { optionalBody } from '../../core/body-schema.js';

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const Time = Type.String();
const OptionalTime = Type.Union([Type.String(), Type.Null()]);
const FeatureName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
export const Stage = Type.Union([Type.Literal('alpha'), Type.Literal('beta'), Type.Literal('preview')]);

export const ProgramOut = Type.Object({ name: Type.String(), mail_enabled: Type.Boolean(), oidc_enabled: Type.Boolean() });
export const JoinBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 100 }), email: Email }, { additionalProperties: false });
export const EmailBody = Type.Object({ email: Email }, { additionalProperties: false });
export const MessageOut = Type.Object({ message: Type.String() });
/** Links arrive from mail clients: anything else in the query is ignored, a missing token is an unusable link. */
export const LinkQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true });
export const EmptyBody = optionalBody(Type.Object({ _csrf: Csrf }, { additionalProperties: false }));

export const TesterMeOut = Type.Object({
  id: Type.String(),
  email: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('unverified'), Type.Literal('inactive')]),
  joined_at: OptionalTime,
});
export const JoinResponse = Type.Object({ tester: TesterMeOut });
export const MeResponse = Type.Object({ tester: TesterMeOut, csrf_token: Type.String() });

export const FeatureOut = Type.Object({
  name: Type.String(),
  title: Type.String(),
  description: Type.String(),
  stage: Stage,
  enrolled: Type.Boolean(),
  on: Type.Boolean(),
  reason: Type.Union([Type.Literal('enrolled'), Type.Literal('rolled_out'), Type.Literal('not_yet'), Type.Literal('left')]),
});
export const FeaturesResponse = Type.Object({ features: Type.Array(FeatureOut) });
export const FeatureParams = Type.Object({ name: FeatureName });
export const EnrolBody = Type.Object({ enrolled: Type.Boolean(), _csrf: Csrf }, { additionalProperties: false });

export const TesterFeedbackBody = Type.Object(
  {
    feature: Type.Union([FeatureName, Type.Null()]),
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export const TesterFeedbackOut = Type.Object({
  id: Type.String(),
  feature: Type.Union([Type.String(), Type.Null()]),
  rating: Type.Integer(),
  comment: Type.Union([Type.String(), Type.Null()]),
  created_at: Time,
});
export const TesterFeedbackList = Type.Object({ items: Type.Array(TesterFeedbackOut) });

// The owner's side (under /api/admin, denied by default).
export const TesterIdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
export const QueuedOut = Type.Object({ queued: Type.Union([Type.Boolean(), Type.Integer()]) });
export const SendInvitesBody = Type.Object(
  { ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 500 }), _csrf: Csrf },
  { additionalProperties: false },
);
export const WaitlistStatus = Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('approved')]);
export const WaitlistQuery = Type.Object(
  { status: Type.Optional(WaitlistStatus), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) },
  { additionalProperties: false },
);
export const WaitlistEntryOut = Type.Object({
  id: Type.String(),
  email: Type.String(),
  status: WaitlistStatus,
  created_at: Time,
  confirmed_at: OptionalTime,
  approved_at: OptionalTime,
});
export const WaitlistResponse = Type.Object({ items: Type.Array(WaitlistEntryOut) });
export const ApproveBody = Type.Union([
  Type.Object(
    { ids: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 500 }), _csrf: Csrf },
    { additionalProperties: false },
  ),
  Type.Object({ next: Type.Integer({ minimum: 1, maximum: 500 }), _csrf: Csrf }, { additionalProperties: false }),
]);
export const ApproveResponse = Type.Object({
  approved: Type.Array(Type.Object({ id: Type.String(), email: Type.String(), user_id: Type.String() })),
});
export const FunnelOut = Type.Object({
  invited: Type.Integer(),
  joined: Type.Integer(),
  enrolled: Type.Integer(),
  gave_feedback_30d: Type.Integer(),
});
export const MailQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false });
export const MailResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      to_masked: Type.String(),
      status: Type.String(),
      attempts: Type.Integer(),
      created_at: Time,
      sent_at: OptionalTime,
    }),
  ),
});
