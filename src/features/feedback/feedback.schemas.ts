// The HTTP shapes of feedback: public submission and statistics, the admin list, export and
// analytics. Request schemas are what Ajv accepts, response schemas what the serializer writes.
import { Type } from 'typebox';

export const FeedbackFeature = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' });

/** At most this many flags per submission: a page rarely evaluates more, and each costs storage. */
export const VARIANTS_MAX_ENTRIES = 50;
/** Flag names and variant names both follow the flag-name pattern. */
export const VARIANT_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,99}$';
/** Flag name → the variant the author was seeing (as the OpenFeature SDK reported it). */
export const FeedbackVariants = Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 100, pattern: VARIANT_NAME_PATTERN }), {
  maxProperties: VARIANTS_MAX_ENTRIES,
  propertyNames: { minLength: 1, maxLength: 100, pattern: VARIANT_NAME_PATTERN },
});

export const FeedbackBody = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    email: Type.Optional(Type.String({ format: 'email', minLength: 3, maxLength: 254 })),
    feature: Type.Optional(FeedbackFeature),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 100, propertyNames: { maxLength: 100 } })),
    variants: Type.Optional(FeedbackVariants),
  },
  { additionalProperties: false },
);
export const FeedbackSubmitHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })),
});
export const FeedbackCreated = Type.Object({
  id: Type.String(),
  rating: Type.Integer(),
  feature: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});
export const FeedbackStats = Type.Object({
  total: Type.Integer(),
  average_rating: Type.Union([Type.Number(), Type.Null()]),
  distribution: Type.Object({ '1': Type.Integer(), '2': Type.Integer(), '3': Type.Integer(), '4': Type.Integer(), '5': Type.Integer() }),
  by_feature: Type.Array(Type.Object({ feature: Type.String(), count: Type.Integer(), average_rating: Type.Number() })),
  daily: Type.Array(Type.Object({ date: Type.String(), count: Type.Integer(), average_rating: Type.Union([Type.Number(), Type.Null()]) })),
});
export const FeedbackAnalyticsResponse = Type.Intersect([
  FeedbackStats,
  Type.Object({
    split: Type.Object({
      promoters: Type.Integer(),
      passives: Type.Integer(),
      detractors: Type.Integer(),
      score: Type.Union([Type.Number(), Type.Null()]),
    }),
  }),
]);

export const FeedbackOut = Type.Object({
  id: Type.String(),
  user_id: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  rating: Type.Integer(),
  feature: Type.Union([Type.String(), Type.Null()]),
  comment: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  variants: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  created_at: Type.String(),
});

const filters = {
  rating: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  feature: Type.Optional(FeedbackFeature),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  user: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
};
/** The filters of the export: the list's, without paging. */
export const FeedbackFilterQuery = Type.Object(filters, { additionalProperties: false });
export const FeedbackListQuery = Type.Object(
  {
    ...filters,
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export const FeedbackListResponse = Type.Object({ items: Type.Array(FeedbackOut), next_cursor: Type.Union([Type.String(), Type.Null()]) });
export const FeedbackParams = Type.Object({ id: Type.String({ maxLength: 100 }) }, { additionalProperties: false });
export const FeedbackDeleted = Type.Null();
