import type { Command } from 'commander';
import { outputPath } from '../io/outputFile.js';
import { fitCommand, parseFixed } from '../../calibration/fit/fitCommand.js';
import { expandRunDirs, validateRun, validationMarkdown, validationTable } from '../../calibration/validate/validateRuns.js';

/** `joulesim calibrate fit|validate`: turn GPU measurements into a profile, and check it on measured runs. */
export function registerCalibrateCommands(program: Command): void {
  const calibrate = program.command('calibrate').description('Fit profiles to GPU measurements and validate them on measured end-to-end runs.');
  calibrate
    .command('fit')
    .description('Fit step time, step power and idle power to harness measurements; writes a profile JSON.')
    .argument('<measurements...>', 'measurement files written by calibration/harness/measure.py')
    .requiredOption('--out <file>', 'profile to write, e.g. calibration/profiles/h100-sxm/llama-3.1-8b/hf-eager.json')
    .option('--gpu <id>', 'GPU id, when the measurement files do not name it')
    .option('--holdout <regex>', 'keep records whose label matches out of the fit and report their error')
    .option('--fix <key=value...>', 'hold a coefficient at a value instead of fitting it (e.g. per_sequence_overhead_s=0)')
    .option('--rates-from <profile>', 'kernel-class fit: take the GPU rates and class powers from this profile and fit only the host time (of another GPU: rates carried class by class, and one power level fitted on these records)')
    .option('--host-from <measurements...>', 'kernel-class fit: fit the host time on the records of these files only (of those given; one machine), the GPU rates and powers on all')
    .option('--refit-power', 'with --rates-from of the same GPU: fit the attention and copy powers on these records (a stack whose attention and copy kernels differ; GEMM powers stay the GPU’s)')
    .action((files: string[], o: { out: string; gpu?: string; holdout?: string; fix?: string[]; ratesFrom?: string; hostFrom?: string[]; refitPower?: boolean }) => {
      outputPath('--out', o.out);
      process.stdout.write(fitCommand(files, { ...o, fixed: parseFixed(o.fix ?? []) }).summary);
    });
  calibrate
    .command('validate')
    .description('Replay measured end-to-end runs through the simulator and print measured vs simulated with % errors.')
    .argument('<runs...>', 'run folders holding run.json and workload.csv (calibration/validation/<name>), or a folder of them (calibration/validation)')
    .option('--profile <file>', 'use this profile instead of the one for the run’s gpu/model/stack')
    .option('--json', 'print the comparison as JSON')
    .option('--markdown', 'print the comparison as a Markdown table')
    .action((runs: string[], o: { profile?: string; json?: boolean; markdown?: boolean }) => {
      const results = expandRunDirs(runs).map((r) => validateRun(r, o.profile));
      process.stdout.write(o.json ? JSON.stringify(results, null, 2) + '\n' : o.markdown ? validationMarkdown(results) : validationTable(results));
    });
}
