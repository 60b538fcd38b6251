/**
 * The package works when installed from its tarball: `npm pack`, install it into an empty folder (offline, from
 * the npm cache that `npm ci` filled), and run a scenario and a datasheet what-if with the installed CLI. Catches
 * data files the package's "files" list leaves out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../sim/paths.js';
import { tempDir } from '../compare/helpers.js';

const dir = tempDir('pack');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * An app that depends on the tarball, with a lockfile whose dependency entries (exact versions, tarball URLs and
 * integrity) come from the project's own package-lock.json: `npm ci --offline` then needs no registry metadata,
 * only the tarballs that `npm ci` of the project left in the npm cache.
 */
function writeInstallLockfile(app: string, tarball: string, packDir: string): void {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; engines: unknown; bin: unknown };
  const lock = JSON.parse(readFileSync(join(packageRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const runtime = Object.fromEntries(Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && !v.dev && !v.devOptional));
  const spec = `file:${join(packDir, tarball)}`;
  const root = { name: 'joulesim-install-check', version: '1.0.0', private: true, dependencies: { joulesim: spec } };
  writeFileSync(join(app, 'package.json'), JSON.stringify(root, null, 2));
  const joulesim = { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines };
  writeFileSync(
    join(app, 'package-lock.json'),
    JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, 'node_modules/joulesim': joulesim, ...runtime } }, null, 2),
  );
}

function sh(cmd: string, args: string[], cwd: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

describe('the packed package', () => {
  it('installs from its tarball and runs a scenario and a datasheet what-if', { timeout: 900_000 }, (ctx) => {
    const packDir = join(dir, 'tarball');
    mkdirSync(packDir);
    const pack = sh(npm, ['pack', '--silent', '--pack-destination', packDir], packageRoot);
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();

    const app = join(dir, 'app');
    mkdirSync(app);
    writeInstallLockfile(app, tarball!, packDir);
    const install = sh(npm, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    if (install.status !== 0) {
      // Without a network and without the dependencies in the npm cache there is nothing to install from.
      console.warn(`skipped: npm ci --offline of the tarball failed (dependencies not in the npm cache?):\n${install.stderr.slice(-2000)}`);
      ctx.skip();
    }
    const bin = join(app, 'node_modules', 'joulesim', 'bin', 'joulesim.js');
    expect(existsSync(bin)).toBe(true);
    const scenario = join(app, 'tiny.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        seed: 1,
        workload: { kind: 'synthetic', arrival: { process: 'poisson', rate_per_s: 5 }, count: 40, lengths: { kind: 'fixed', input_tokens: 300, output_tokens: 40 } },
        cluster: { gpu: 'h100-sxm', model: 'llama-3.1-8b', stack: 'vllm' },
      }),
    );
    const run = sh(process.execPath, [bin, 'run', scenario, '--json', '--no-progress'], app);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).requests_completed).toBe(40);

    // The datasheet roofline reads calibration/priors/: it must be in the package.
    const datasheet = sh(process.execPath, [bin, 'run', scenario, '--gpu', 'a6000', '--cost-model', 'roofline', '--json', '--no-progress'], app);
    expect(datasheet.stderr).toBe('');
    expect(datasheet.status).toBe(0);
    const s = JSON.parse(datasheet.stdout) as { cost_model: { kind: string }; requests_completed: number };
    expect(s.cost_model.kind).toBe('datasheet');
    expect(s.requests_completed).toBe(40);

    // And the default scenario, whose trace ships in scenarios/.
    const def = sh(process.execPath, [bin, 'run', '--json', '--no-progress'], app);
    expect(def.status, def.stderr).toBe(0);
  });
});
