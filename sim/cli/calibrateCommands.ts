import type { Command } from 'commander';

/** `joulesim calibrate fit|validate`. */
export function registerCalibrateCommands(program: Command): void {
  program.command('calibrate').description('Fit profiles to GPU measurements and validate them on measured runs.');
}
