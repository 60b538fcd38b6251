/**
 * `joulesim reproduce [--json] [--out DIR]`: every experiment of the paper (scenarios/paper/sweeps/), the findings
 * table on stdout (or the JSON list with --json), and with --out the report (report.html, report.md,
 * findings.json, points.json, meta.json, figures/*.svg).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { outputPath } from '../io/outputFile.js';
import { renderText } from './report.js';
import { findingsJson, reproduce, writeReport } from './reproduce.js';

export interface ReproduceFlags {
  json?: boolean;
  out?: string;
  requests?: number;
  sweeps?: string;
  progress?: boolean;
}

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InputError(flag, '', `expected a positive integer, got "${value}"`);
    return Number(value);
  };
}

export function reproduceCommand(flags: ReproduceFlags, argv: readonly string[] = process.argv): void {
  const command = ['joulesim', ...argv.slice(2)].join(' ');
  const outDir = outputPath('--out', flags.out);
  const out = reproduce({
    sweepsDir: flags.sweeps,
    maxRequests: flags.requests,
    command,
    onSweep:
      flags.progress === false
        ? undefined
        : (id, i, n, s) => process.stderr.write(`joulesim: sweep ${i}/${n} ${id} done in ${s.toFixed(2)} s\n`),
  });
  if (outDir !== undefined) writeReport(out, outDir);
  process.stdout.write(flags.json ? findingsJson(out.findings) + '\n' : renderText(out.findings, out.meta));
  if (outDir !== undefined && !flags.json) process.stdout.write(`wrote ${join(outDir, 'report.html')}, report.md, findings.json, points.json, meta.json and figures/\n`);
}

export function registerReproduceCommand(program: Command): void {
  program
    .command('reproduce')
    .description("Run every experiment of the seed paper (scenarios/paper/) and report, finding by finding, the paper's number, joulesim's, and whether the direction matches.")
    .option('--json', 'print the findings as a JSON list of {finding, metric, paper_value, joulesim_value, direction_matches, ...}')
    .option('--out <dir>', 'write report.html (inline SVG figures), report.md, findings.json, points.json, meta.json and figures/*.svg')
    .option('--requests <n>', 'cap every configuration at this many requests (a quick, reduced run; the report says so)', positiveInteger('--requests'))
    .option('--sweeps <dir>', 'folder of *.sweep.json files (default: scenarios/paper/sweeps)')
    .option('--no-progress', 'no progress lines on stderr')
    .action((flags: ReproduceFlags) => reproduceCommand(flags));
}
