/**
 * The batching policies a scenario can name (`cluster.scheduler.kind`). Adding one: its file, and one line in
 * SCHEDULER_POLICIES. The scenario schema's scheduler block, the CLI's --scheduler choices, --vary scheduler and the
 * estimator all read this list.
 */
import { continuousPolicy } from './continuousPolicy.js';
import { speculativePolicy } from './speculativePolicy.js';
import { staticPolicy } from './staticPolicy.js';
import { transformersCbPolicy } from './transformersCbPolicy.js';
import type { SchedulerPolicyEntry } from './schedulerPolicy.js';

export const SCHEDULER_POLICIES = [staticPolicy, continuousPolicy, transformersCbPolicy, speculativePolicy] as const satisfies readonly SchedulerPolicyEntry[];
export type SchedulerPolicyName = (typeof SCHEDULER_POLICIES)[number]['name'];
export const SCHEDULER_NAMES = SCHEDULER_POLICIES.map((e) => e.name) as readonly SchedulerPolicyName[];

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type AllOptions = UnionToIntersection<(typeof SCHEDULER_POLICIES)[number]['optionsSchema']['properties']>;

/** Every registered policy's options in one object (a key several policies read is defined once, shared). */
export const schedulerOptionProperties = Object.assign({}, ...SCHEDULER_POLICIES.map((e) => e.optionsSchema.properties)) as AllOptions;

export function schedulerEntry(name: string): SchedulerPolicyEntry | undefined {
  return (SCHEDULER_POLICIES as readonly SchedulerPolicyEntry[]).find((e) => e.name === name);
}
