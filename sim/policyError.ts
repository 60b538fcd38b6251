/**
 * A plug-in policy misbehaved: threw, returned nonsense, or never made progress. It is the user's module that is
 * wrong, not joulesim, so it is reported like bad input: one line naming the module and what it did, exit 2.
 */
import { InputError } from './errors.js';

export class PolicyError extends InputError {
  constructor(
    /** The module as the scenario named it (or `simulate({ policies })`'s key). */
    readonly module: string,
    /** What it did wrong, e.g. `decide() returned request 7, which is not waiting`. */
    detail: string,
  ) {
    super(module, '', detail);
    this.name = 'PolicyError';
  }
}

/** Runs a plug-in callback; anything it throws becomes one PolicyError line naming the module and the call. */
export function callPlugin<T>(module: string, call: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw pluginFailure(module, call, e);
  }
}

/** What callPlugin throws for `e` thrown by a plug-in's `call` (for hot paths that inline its try/catch). */
export function pluginFailure(module: string, call: string, e: unknown): PolicyError {
  if (e instanceof PolicyError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PolicyError(module, `${call} threw: ${message.split(/\r?\n/)[0]}`);
}
