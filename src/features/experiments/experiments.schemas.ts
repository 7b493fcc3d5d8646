// The HTTP shape of experiment results. The console imports its types.
import { Type, type Static } from 'typebox';

const FlagName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' });
const VariantName = Type.String({ minLength: 1, maxLength: 64 });
const Interval = Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]);

export const ExperimentParams = Type.Object({ name: FlagName });
export const ExperimentQuery = Type.Object({ control: Type.Optional(VariantName) }, { additionalProperties: false });

export const ExperimentVariant = Type.Object({
  variant: Type.String(),
  current: Type.Boolean(),
  weight: Type.Union([Type.Number(), Type.Null()]),
  exposures: Type.Integer(),
  distinct_users: Type.Integer(),
  feedback_count: Type.Integer(),
  mean_rating: Type.Union([Type.Number(), Type.Null()]),
  ci95: Interval,
  difference_to_control: Type.Union([Type.Number(), Type.Null()]),
  difference_ci95: Interval,
  p_value: Type.Union([Type.Number(), Type.Null()]),
  significant: Type.Union([Type.Boolean(), Type.Null()]),
});

export const ExperimentResponse = Type.Object({
  flag: Type.String(),
  value_type: Type.String(),
  control: Type.String(),
  alpha: Type.Number(),
  method: Type.String(),
  since: Type.Union([Type.String(), Type.Null()]),
  variants: Type.Array(ExperimentVariant),
});
export type ExperimentResponse = Static<typeof ExperimentResponse>;
