// The HTTP shapes of the flag API and of OFREP: request schemas (what Ajv accepts) and response
// schemas (what the serializer writes). The console imports their types.
import { Type } from 'typebox';
import { optionalBody } from '../../core/body-schema.js';

export const FlagName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
export const FlagCsrf = Type.Optional(Type.String({ maxLength: 200 }));
export const FlagParams = Type.Object({ name: FlagName });
/** How far along an early-access feature is, as testers see it. */
export const FlagStage = Type.Union([Type.Literal('alpha'), Type.Literal('beta'), Type.Literal('preview'), Type.Null()]);
/** What a flag serves: `boolean` (on/off), or the value of one of its variants. */
export const FlagValueType = Type.Union([Type.Literal('boolean'), Type.Literal('string'), Type.Literal('number'), Type.Literal('object')]);
/** A typed flag's variant as sent: the service checks the value against the type, names, weights and pins. */
const VariantIn = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    value: Type.Unknown(),
    weight: Type.Integer({ minimum: 0, maximum: 10_000 }),
    overrides: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export const FlagVariantOut = Type.Object({
  name: Type.String(),
  value: Type.Unknown(),
  weight: Type.Integer(),
  overrides: Type.Array(Type.String()),
});
export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 50 })) });

/**
 * A condition as a request sends it: the switches are typed here; the service checks the rest and their
 * combinations (operator, values, case_insensitive only on string operators) with per-field messages.
 */
const ConditionIn = Type.Object(
  { case_insensitive: Type.Optional(Type.Boolean()), inverted: Type.Optional(Type.Boolean()) },
  { additionalProperties: true },
);

/** A rule as sent: the service checks every field (conditions, segments, rollout, stickiness, variants) with per-field messages. */
const RuleIn = Type.Object({}, { additionalProperties: true });
const SegmentNames = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10 });

const editable = {
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  is_enabled: Type.Optional(Type.Boolean()),
  rollout_percentage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  target_users: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 1000 })),
  conditions: Type.Optional(Type.Array(ConditionIn, { maxItems: 50 })),
  permanent: Type.Optional(Type.Boolean()),
  early_access: Type.Optional(Type.Boolean()),
  public_title: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 120 }), Type.Null()])),
  public_description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  stage: Type.Optional(FlagStage),
  /** Evaluated for client keys (web pages); default false. */
  client_visible: Type.Optional(Type.Boolean()),
  value_type: Type.Optional(FlagValueType),
  variants: Type.Optional(Type.Array(VariantIn, { maxItems: 50 })),
  default_variant: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  /** The context attribute rollouts and variant choices hash; `targetingKey` by default (`default` means the same). */
  stickiness: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Segments (by name) the main rule's context must also match. */
  segments: Type.Optional(SegmentNames),
  /** Rules checked in order before the main rule; the first that matches and includes the user decides. */
  rules: Type.Optional(Type.Array(RuleIn, { maxItems: 20 })),
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

/** A targeting condition as stored: the service validates each one (with per-field errors) before it is saved. */
const ConditionValue = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
/** The operator codes a condition may use (the API checks them with validateConditions). */
export type { Operator as ConditionOperator } from './conditions.js';
export const FlagCondition = Type.Object({
  attribute: Type.String(),
  operator: Type.String(),
  values: Type.Array(ConditionValue),
  /** Present (true) only when on: string operators compare ignoring case. */
  case_insensitive: Type.Optional(Type.Boolean()),
  /** Present (true) only when on: the condition's answer is negated. */
  inverted: Type.Optional(Type.Boolean()),
});

export const FlagRuleOut = Type.Object({
  name: Type.String(),
  conditions: Type.Array(FlagCondition),
  segments: Type.Array(Type.String()),
  rollout_percentage: Type.Integer(),
  stickiness: Type.String(),
  variant: Type.Optional(Type.String()),
  variant_weights: Type.Optional(Type.Array(Type.Object({ name: Type.String(), weight: Type.Integer() }))),
});

export const FlagOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  is_enabled: Type.Boolean(),
  rollout_percentage: Type.Integer(),
  target_users: Type.Array(Type.String()),
  conditions: Type.Array(FlagCondition),
  permanent: Type.Boolean(),
  version: Type.Integer(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  full_rollout_since: Type.Union([Type.String(), Type.Null()]),
  early_access: Type.Boolean(),
  public_title: Type.Union([Type.String(), Type.Null()]),
  public_description: Type.Union([Type.String(), Type.Null()]),
  stage: FlagStage,
  client_visible: Type.Boolean(),
  value_type: FlagValueType,
  variants: Type.Array(FlagVariantOut),
  default_variant: Type.Union([Type.String(), Type.Null()]),
  stickiness: Type.String(),
  segments: Type.Array(Type.String()),
  rules: Type.Array(FlagRuleOut),
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
  /** Evaluations per variant of a typed flag (empty for boolean flags). */
  variants_24h: Type.Record(Type.String(), Type.Integer()),
  variants_7d: Type.Record(Type.String(), Type.Integer()),
});
export const FlagListResponse = Type.Object({ items: Type.Array(Type.Intersect([FlagOut, Type.Object({ adoption: FlagAdoption })])) });
export const FlagDetailResponse = Type.Intersect([
  FlagOut,
  Type.Object({
    adoption: FlagAdoption,
    evaluations: Type.Object({ hourly_24h: Type.Array(EvaluationPoint), daily_30d: Type.Array(EvaluationPoint) }),
  }),
]);

// The explanation's steps, each in the order its fields are written, one per step of the evaluation walk.
const detail = Type.String();
const ExplainStep = Type.Union([
  Type.Object({ step: Type.Literal('flag'), found: Type.Boolean(), detail }),
  Type.Object({ step: Type.Literal('kill_switch'), enabled: Type.Boolean(), detail }),
  Type.Object({
    step: Type.Literal('target_users'),
    matched: Type.Boolean(),
    matchedBy: Type.Optional(Type.Union([Type.Literal('targetingKey'), Type.Literal('email')])),
    detail,
  }),
  Type.Object({
    step: Type.Literal('beta_user'),
    matched: Type.Boolean(),
    value: Type.Optional(Type.Boolean()),
    variant: Type.Optional(Type.String()),
    detail,
  }),
  Type.Object({
    step: Type.Literal('condition'),
    /** The rule (by position) the condition belongs to; absent for the main rule's. */
    rule: Type.Optional(Type.Integer()),
    index: Type.Integer(),
    attribute: Type.String(),
    operator: Type.String(),
    values: Type.Immutable(Type.Array(ConditionValue)),
    /** The context's value for the attribute; absent when the context lacks it. */
    actual: Type.Optional(Type.Unknown()),
    matched: Type.Boolean(),
    detail,
  }),
  Type.Object({ step: Type.Literal('segment'), rule: Type.Optional(Type.Integer()), name: Type.String(), matched: Type.Boolean(), detail }),
  Type.Object({
    step: Type.Literal('rule'),
    index: Type.Integer(),
    name: Type.String(),
    /** Whether this rule decided. */
    matched: Type.Boolean(),
    percentage: Type.Number(),
    bucket: Type.Optional(Type.Integer()),
    stickiness: Type.Optional(Type.String()),
    detail,
  }),
  Type.Object({
    step: Type.Literal('rollout'),
    percentage: Type.Number(),
    threshold: Type.Number(),
    bucket: Type.Optional(Type.Integer()),
    /** The context attribute hashed into the bucket. */
    stickiness: Type.Optional(Type.String()),
    matched: Type.Boolean(),
    detail,
  }),
  Type.Object({
    step: Type.Literal('variant_pin'),
    matched: Type.Boolean(),
    matchedBy: Type.Optional(Type.Union([Type.Literal('targetingKey'), Type.Literal('email')])),
    variant: Type.Optional(Type.String()),
    detail,
  }),
  Type.Object({
    step: Type.Literal('variant'),
    variant: Type.Optional(Type.String()),
    totalWeight: Type.Integer(),
    target: Type.Optional(Type.Integer()),
    /** The context attribute hashed into the target. */
    stickiness: Type.Optional(Type.String()),
    detail,
  }),
]);
/** POST /api/admin/flags/:name/explain: the evaluation's result (OpenFeature reasons and error codes) and every step taken. */
export const FlagExplanation = Type.Object({
  /** A boolean flag's value, or the served variant's value. */
  value: Type.Unknown(),
  reason: Type.Union([
    Type.Literal('STATIC'),
    Type.Literal('TARGETING_MATCH'),
    Type.Literal('SPLIT'),
    Type.Literal('DISABLED'),
    Type.Literal('DEFAULT'),
    Type.Literal('ERROR'),
  ]),
  /** `on`/`off` for a boolean flag, the variant's name otherwise. */
  variant: Type.String(),
  errorCode: Type.Optional(Type.Union([Type.Literal('FLAG_NOT_FOUND'), Type.Literal('TARGETING_KEY_MISSING'), Type.Literal('GENERAL')])),
  bucket: Type.Optional(Type.Integer()),
  target: Type.Optional(Type.Integer()),
  steps: Type.Array(ExplainStep),
});

/** GET /api/admin/flags/:name/reach: the flag evaluated over the contexts this instance evaluated recently. */
export const FlagReachResponse = Type.Object({
  /** Recent contexts evaluated (at most 1,000). */
  sample: Type.Integer({ minimum: 0 }),
  /** How many of them the flag reaches now. */
  matched: Type.Integer({ minimum: 0 }),
  /** matched / sample, or null when there are no recent contexts. */
  share: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  /** Each rule on its own (its conditions, segments and rollout), whatever comes before it. */
  rules: Type.Array(
    Type.Object({
      index: Type.Integer({ minimum: 0 }),
      matched: Type.Integer({ minimum: 0 }),
      share: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
    }),
  ),
  /** The main rule (the flag's own conditions, segments and rollout) on its own. */
  main: Type.Object({
    matched: Type.Integer({ minimum: 0 }),
    share: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  }),
});

/** GET /api/admin/contexts/attributes: names seen in recent evaluation contexts (never values), sorted, at most 200. */
export const ContextAttributesResponse = Type.Object({ names: Type.Array(Type.String(), { maxItems: 200 }) });

/** A segment as the segments API answers. */
export const SegmentOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  conditions: Type.Array(FlagCondition),
  version: Type.Integer(),
  created_at: Type.String(),
  updated_at: Type.String(),
  /** The flags whose rules name this segment. */
  used_by: Type.Array(Type.String()),
});
export const SegmentListResponse = Type.Object({ items: Type.Array(SegmentOut) });

export const OfrepContext = Type.Object({ targetingKey: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: true });
export const OfrepBody = optionalBody(Type.Object({ context: Type.Optional(OfrepContext) }, { additionalProperties: true }));
export const OfrepParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 100 }) });
export const FlagStreamHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 100 })) });

/** A flag definition as exported: every field a definition carries, nothing about adoption or history. */
export const FlagDefinitionOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  is_enabled: Type.Boolean(),
  rollout_percentage: Type.Integer(),
  target_users: Type.Array(Type.String()),
  conditions: Type.Array(FlagCondition),
  permanent: Type.Boolean(),
  early_access: Type.Boolean(),
  public_title: Type.Union([Type.String(), Type.Null()]),
  public_description: Type.Union([Type.String(), Type.Null()]),
  stage: FlagStage,
  client_visible: Type.Boolean(),
  value_type: FlagValueType,
  variants: Type.Array(FlagVariantOut),
  default_variant: Type.Union([Type.String(), Type.Null()]),
  stickiness: Type.String(),
  segments: Type.Array(Type.String()),
  rules: Type.Array(FlagRuleOut),
});
/** GET /api/admin/flags/export: the versioned document `POST /api/admin/flags/import` (and `beta-suite flags import`) reads. */
export const FlagExportDocument = Type.Object({
  format: Type.Literal('nous-beta-suite/flags'),
  version: Type.Literal(1),
  exported_at: Type.String(),
  flags: Type.Array(FlagDefinitionOut),
});
/** A flag export, or an Unleash feature export (`features`, `featureStrategies`, `featureEnvironments`, …): the service tells them apart. */
export const FlagImportBody = Type.Object({ _csrf: FlagCsrf }, { additionalProperties: true });
export const FlagImportQuery = Type.Object(
  {
    dry_run: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
const PlanEntryOut = Type.Object({
  name: Type.String(),
  action: Type.Union([
    Type.Literal('create'),
    Type.Literal('update'),
    Type.Literal('unchanged'),
    Type.Literal('refused'),
    Type.Literal('invalid'),
  ]),
  changes: Type.Array(Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() })),
  reasons: Type.Array(Type.String()),
  notes: Type.Array(Type.String()),
});
/** The import's plan, and whether it was applied. */
export const FlagImportResponse = Type.Object({
  dry_run: Type.Boolean(),
  applied: Type.Boolean(),
  plan: Type.Object({
    source: Type.Union([Type.Literal('beta-suite'), Type.Literal('unleash')]),
    environment: Type.Optional(Type.String()),
    flags: Type.Array(PlanEntryOut),
    summary: Type.Object({
      create: Type.Integer(),
      update: Type.Integer(),
      unchanged: Type.Integer(),
      refused: Type.Integer(),
      invalid: Type.Integer(),
    }),
  }),
});
