/** A power controller as the registry builds it: the controller and when the engine consults it. */
import type { PowerController } from '../../serving/policyApi.js';

export interface BuiltPowerController {
  readonly controller: PowerController;
  /** Consult every tickSeconds (null: only at replicas' work boundaries). */
  readonly tickSeconds: number | null;
  /** Consult at every work boundary (false: only when a replica goes idle). */
  readonly everyBoundary: boolean;
  /** How long a GPU setting takes to settle. */
  readonly settlingSeconds: number;
  /**
   * Whether it puts replicas to sleep: 'required' (the GPU's power-state file must exist), 'optional' (a plug-in:
   * used when the file exists; a sleep decision without one is an error), or 'never'.
   */
  readonly usesSleep: 'required' | 'optional' | 'never';
  /** Consult before each step or decode run starts (per-iteration clock control). */
  readonly beforeWork?: boolean;
  /** It locks SM clocks: the GPU file must have a clock range and voltage curve (models/gpus/<id>.json sm_clocks). */
  readonly locksClock?: boolean;
}
