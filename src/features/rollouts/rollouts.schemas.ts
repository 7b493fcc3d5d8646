// The HTTP shapes of scheduled changes, release plans and reported signals. The console imports their types.
import { Type, type Static } from 'typebox';
import { optionalBody } from '../../core/body-schema.js';

const FlagName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));
const Instant = Type.String({ minLength: 10, maxLength: 40 });
const Version = Type.Integer({ minimum: 1, maximum: 999_999_999 });

/** A flag patch a schedule applies (variant weights come with typed variants). */
export const FlagPatch = Type.Object(
  {
    is_enabled: Type.Optional(Type.Boolean()),
    rollout_percentage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    target_users: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 254 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const ScheduleCreateBody = Type.Object(
  { flag: FlagName, at: Instant, change: FlagPatch, expected_version: Type.Optional(Type.Union([Version, Type.Null()])), _csrf: Csrf },
  { additionalProperties: false },
);
export const ScheduleEditBody = Type.Object(
  {
    at: Type.Optional(Instant),
    change: Type.Optional(FlagPatch),
    expected_version: Type.Optional(Type.Union([Version, Type.Null()])),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export const ScheduleParams = Type.Object({
  id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
});
const ScheduleStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('running'),
  Type.Literal('done'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export const ScheduleListQuery = Type.Object(
  {
    status: Type.Optional(ScheduleStatus),
    flag: Type.Optional(FlagName),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export const ScheduleOut = Type.Object({
  id: Type.String(),
  flag: Type.String(),
  at: Type.String(),
  change: FlagPatch,
  expected_version: Type.Union([Type.Integer(), Type.Null()]),
  status: ScheduleStatus,
  created_by: Type.String(),
  created_at: Type.String(),
  ran_at: Type.Union([Type.String(), Type.Null()]),
  result_version: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export const ScheduleList = Type.Object({ items: Type.Array(ScheduleOut) });

/** What a breach does; pause when absent. */
const OnFail = Type.Optional(Type.Union([Type.Literal('pause'), Type.Literal('rollback')]));
const MinSample = Type.Integer({ minimum: 1, maximum: 1_000_000 });
export const GuardIn = Type.Union([
  Type.Object(
    { kind: Type.Literal('rating'), min_mean: Type.Number({ minimum: 1, maximum: 5 }), min_ratings: MinSample, on_fail: OnFail },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('low_ratings'),
      max_share_pct: Type.Number({ minimum: 0, maximum: 100 }),
      min_ratings: MinSample,
      on_fail: OnFail,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('errors'), max_per_1000: Type.Number({ minimum: 0, maximum: 1000 }), min_evaluations: MinSample, on_fail: OnFail },
    { additionalProperties: false },
  ),
]);
export const PlanBody = Type.Object(
  {
    steps: Type.Array(
      Type.Object(
        { percentage: Type.Integer({ minimum: 1, maximum: 100 }), min_duration: Type.String({ minLength: 2, maxLength: 7 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    guards: Type.Array(GuardIn, { maxItems: 10 }),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
export const PlanParams = Type.Object({ name: FlagName });
export const PlanActionParams = Type.Object({
  name: FlagName,
  action: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('skip'), Type.Literal('abort')]),
});
export const PlanActionBody = optionalBody(Type.Object({ _csrf: Csrf }, { additionalProperties: false }));

const Reading = Type.Object({
  kind: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('waiting'), Type.Literal('failed')]),
  value: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Number(),
  sample: Type.Integer(),
  min_sample: Type.Integer(),
  on_fail: Type.String(),
  message: Type.String(),
});
const TimelineStep = Type.Object({
  index: Type.Integer(),
  percentage: Type.Integer(),
  min_duration: Type.String(),
  state: Type.Union([Type.Literal('done'), Type.Literal('current'), Type.Literal('next'), Type.Literal('later')]),
  /** For the current step: when it began; for the next: the earliest time it may start. */
  started_at: Type.Union([Type.String(), Type.Null()]),
  earliest_at: Type.Union([Type.String(), Type.Null()]),
});
export const PlanOut = Type.Object({
  flag: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('done'), Type.Literal('aborted')]),
  current_step: Type.Integer(),
  attention: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Array(TimelineStep),
  guards: Type.Array(GuardIn),
  readings: Type.Array(Reading),
  created_by: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export const PlanList = Type.Object({ items: Type.Array(PlanOut) });

export const SignalParams = Type.Object({ name: FlagName });
export const SignalBody = Type.Object(
  {
    variant: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })),
    kind: Type.Union([Type.Literal('error'), Type.Literal('success')]),
    count: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export type PlanOutT = Static<typeof PlanOut>;
export type ScheduleOutT = Static<typeof ScheduleOut>;
