/**
 * A registry entry for the cluster-wide extension points (router, admission, power controller): its name, the JSON
 * Schema of its options, how it is built, and what it adds to the summary. Batching policies have their own, richer
 * entry (scheduler/schedulerPolicy.ts) because they also size memory. The summary reports each by name and
 * validated options (and the run's effect: rejections, replica-seconds asleep).
 */
import type { PolicyContext } from '../serving/policyApi.js';

export interface PolicyEntry<P, N extends string = string> {
  readonly name: N;
  /** One line for --help and docs. */
  readonly description: string;
  /** JSON Schema of the options object (`{"kind": name, "options": {...}}` in a scenario). */
  readonly optionsSchema: object;
  create(ctx: PolicyContext): P;
}

/** A scenario's reference to a policy: a registered name, `{kind, options}`, or a plug-in `{module, options}`. */
export type PolicyReference = string | { readonly kind?: string; readonly module?: string; readonly options?: Record<string, unknown> };

/** JSON Schema of a policy reference whose built-in names are `names`. */
export function policyReferenceSchema<const N extends readonly string[]>(names: N, what: string, defaultName: N[number]) {
  return {
    description: `${what}: a built-in name (${names.join(', ')}), {"kind": name, "options": {...}}, or a plug-in {"module": "./file.js", "options": {...}} (path relative to the scenario file; docs/POLICIES.md).`,
    default: defaultName,
    anyOf: [
      { enum: names },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          kind: { enum: names },
          module: { type: 'string', minLength: 1 },
          options: { type: 'object' },
        },
      },
    ],
  } as const;
}
