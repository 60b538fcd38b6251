/**
 * Replays measurement records through a committed profile the way the simulator would use it: the profile loaded
 * by sim/cost/resolveCostParameters.ts (`loadProfile`, `calibratedParameters`), the step cost model of the
 * profile's model, and the fitter's record replay. Used by the tests and by the v2 cross-check.
 */
import { modelWorkFor } from '../../sim/cost/modelWorkFor.js';
import { calibratedParameters, loadProfile } from '../../sim/cost/resolveCostParameters.js';
import { StepCostModel } from '../../sim/cost/stepCostModel.js';
import { loadArchitecture } from '../../sim/model/architecture.js';
import { loadGpu } from '../../sim/model/gpu.js';
import { prepareRecord, predictRecord } from '../fit/fitProfile.js';
import type { MeasurementRecord } from '../fit/measurementSchema.js';

export interface RecordError {
  readonly label: string;
  readonly secondsMeasured: number;
  readonly secondsPredicted: number;
  readonly timeErrorPct: number;
  readonly joulesMeasured: number;
  readonly joulesPredicted: number;
  readonly energyErrorPct: number;
}

export function evaluateProfile(profilePath: string, records: readonly MeasurementRecord[]): RecordError[] {
  const profile = loadProfile(profilePath);
  const gpu = loadGpu(profile.gpu, profilePath);
  const model = new StepCostModel(modelWorkFor(loadArchitecture(profile.model, profilePath)), calibratedParameters(profile, gpu, 1, undefined, profilePath));
  return records.map((r) => {
    const prepared = prepareRecord(r);
    const p = predictRecord(model, prepared);
    return {
      label: r.label,
      secondsMeasured: prepared.seconds,
      secondsPredicted: p.seconds,
      timeErrorPct: (100 * (p.seconds - prepared.seconds)) / prepared.seconds,
      joulesMeasured: prepared.joules,
      joulesPredicted: p.joules,
      energyErrorPct: (100 * (p.joules - prepared.joules)) / prepared.joules,
    };
  });
}
