// The HTTP shapes of the KPI and alert routes: the windows and states they accept (checked by Ajv)
// and the report and alerts they answer with (written by the serializer). The console imports their types.
import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Kpi = Type.Object({
  key: Type.String(),
  label: Type.String(),
  value: Nullable(Type.Number()),
  unit: Type.String(),
  target: Type.String(),
  status: Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail'), Type.Literal('no_data'), Type.Literal('tracked')]),
  series: Type.Array(Type.Object({ t: Type.String(), v: Nullable(Type.Number()) })),
});

export const KpiReport = Type.Object({
  window: Type.String(),
  from: Type.String(),
  to: Type.String(),
  kpis: Type.Array(Kpi),
  instances: Type.Array(Type.Object({ instance_id: Type.String(), uptime_pct: Nullable(Type.Number()), samples: Type.Integer() })),
  flags: Type.Array(
    Type.Object({ name: Type.String(), evaluations: Type.Number(), true_share: Nullable(Type.Number()), testers_reached: Type.Integer() }),
  ),
  console_usage: Type.Array(Type.Object({ email: Type.String(), day: Type.String(), page_views: Type.Number(), actions: Type.Number() })),
});

export const Alert = Type.Object({
  id: Type.String(),
  rule: Type.String(),
  instance_id: Type.String(),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  value: Type.Number(),
  threshold: Type.Number(),
  message: Type.String(),
  first_seen: Type.String(),
  last_seen: Type.String(),
  resolved_at: Nullable(Type.String()),
});

export const KpiQuery = Type.Object(
  { window: Type.Union([Type.Literal('24h'), Type.Literal('7d'), Type.Literal('30d')], { default: '24h' }) },
  { additionalProperties: false },
);
export const AlertQuery = Type.Object(
  { state: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'all' }) },
  { additionalProperties: false },
);
export const AlertList = Type.Object({ alerts: Type.Array(Alert) });
