// `beta-suite flags export` and `flags import`: the export document to stdout or a file, and the import plan as lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from './cli-usage.js';
import type { ControlHandler } from './control.js';
import type { Services } from './services.js';

/** The commands `flags export` and `flags import` send, here or through a running server's control socket. */
export function flagOperations(services: Services): Record<string, ControlHandler> {
  return {
    'flags.export': () => services.flags.service.exportFlags(),
    'flags.import': (body) =>
      services.flags.service.importFlags(
        body.document,
        { dryRun: body.dryRun === true, environment: typeof body.environment === 'string' ? body.environment : undefined },
        { actor: 'cli', isOwner: true, requestId: null },
      ),
  };
}

type Call = (command: string, body?: Record<string, unknown>) => Promise<unknown>;
export type WithOperations = <T>(run: (call: Call) => Promise<T>) => Promise<T>;

interface PlanOutput {
  dry_run: boolean;
  applied: boolean;
  plan: {
    source: string;
    environment?: string;
    flags: Array<{ name: string; action: string; changes: Array<{ field: string }>; reasons: string[]; notes: string[] }>;
    summary: Record<string, number>;
  };
}

/** The plan as lines: one per flag with its action, changed fields, reasons and notes. */
function formatPlan(result: PlanOutput): string {
  const { plan } = result;
  const lines = [`source: ${plan.source}${plan.environment ? ` (environment ${plan.environment})` : ''}`];
  for (const flag of plan.flags) {
    const fields = flag.changes.length > 0 ? ` (${flag.changes.map((c) => c.field).join(', ')})` : '';
    lines.push(`${flag.action}\t${flag.name}${fields}`);
    for (const reason of flag.reasons) lines.push(`  refused: ${reason}`);
    for (const note of flag.notes) lines.push(`  note: ${note}`);
  }
  const counts = Object.entries(plan.summary).map(([action, n]) => `${n} ${action}`);
  lines.push(`${counts.join(', ')}; ${result.dry_run ? 'dry run: nothing changed' : result.applied ? 'applied' : 'nothing to apply'}`);
  return `${lines.join('\n')}\n`;
}

/** `beta-suite flags export|import`: `withOps` runs commands here or in the server holding the data directory. */
export async function flagsCommand(args: string[], withOps: WithOperations): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'export') {
    const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
    const doc = (await withOps((call) => call('flags.export'))) as { flags: unknown[] };
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    if (values.out === undefined) process.stdout.write(json);
    else {
      writeFileSync(values.out, json);
      process.stderr.write(`exported ${doc.flags.length} flags to ${values.out}\n`);
    }
    return;
  }
  if (sub === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        environment: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('flags import needs exactly one FILE');
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(positionals[0]!, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read ${positionals[0]!}: ${(err as Error).message}`, { cause: err });
    }
    const result = (await withOps((call) =>
      call('flags.import', { document, dryRun: values['dry-run'], environment: values.environment }),
    )) as PlanOutput;
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatPlan(result));
    if (result.plan.summary.refused! > 0) process.exitCode = 3;
    return;
  }
  throw new UsageError(`unknown flags command "${sub ?? ''}"`);
}
