/**
 * examples/k8s/sweep-job.yaml against the Kubernetes API schemas (kubernetes-models: the batch/v1 Job and core/v1
 * PersistentVolumeClaim OpenAPI schemas, compiled to validators), plus what the schemas cannot know: the upstream
 * schemas accept unknown fields, so the fields the sweep relies on are checked at their exact paths, and the
 * shard count the pods are told must be the Job's completions. Where a kubectl can reach a cluster, a server-side
 * dry run checks it too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = resolve(import.meta.dirname, '..', '..');
const file = join(root, 'examples', 'k8s', 'sweep-job.yaml');
/** A parsed manifest document: plain JSON whose shape the schema checks establish. */
type Doc = any;
const docs: Doc[] = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
  if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
  return d.toJS();
});
const byName = (kind: string, name: string): Doc => docs.find((d) => d.kind === kind && d.metadata?.name === name);

function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('examples/k8s/sweep-job.yaml', () => {
  it('is a PVC, an Indexed Job and a merge Job, each valid against its Kubernetes API schema', () => {
    expect(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.name}`)).toEqual([
      'v1 PersistentVolumeClaim joulesim-sweep-data',
      'batch/v1 Job joulesim-sweep',
      'batch/v1 Job joulesim-sweep-merge',
    ]);
    new PersistentVolumeClaim(docs[0]).validate();
    new Job(docs[1]).validate();
    new Job(docs[2]).validate();
  });

  it('the schema check does catch mistakes (a wrong type, an unknown completion mode)', () => {
    const bad = structuredClone(docs[1]);
    bad.spec.completions = 'four';
    expect(() => new Job(bad).validate()).toThrow(/completions/);
    const mode = structuredClone(docs[1]);
    mode.spec.completionMode = 'Sharded';
    expect(() => new Job(mode).validate()).toThrow(/completionMode/);
  });

  it('tells every shard pod the Job’s completion count and mounts the shared volume it writes to', () => {
    const job = byName('Job', 'joulesim-sweep');
    expect(job.spec.completionMode).toBe('Indexed');
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [shard] = pod.containers;
    const args: string[] = shard.args;
    expect(args.slice(0, 2)).toEqual(['sweep', 'run']);
    expect(Number(flagValue(args, '--shard-count'))).toBe(job.spec.completions);
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
    const out = flagValue(args, '--out')!;
    const mount = shard.volumeMounts.find((m: Doc) => out.startsWith(m.mountPath + '/'));
    expect(mount, `a volume mounted above ${out}`).toBeDefined();
    const volume = pod.volumes.find((v: Doc) => v.name === mount.name);
    expect(volume.persistentVolumeClaim.claimName).toBe('joulesim-sweep-data');
    expect(byName('PersistentVolumeClaim', 'joulesim-sweep-data').spec.accessModes).toContain('ReadWriteMany');
    // The sweep file comes from the ConfigMap the README's command creates.
    const sweepArg = args[2];
    const sweepMount = shard.volumeMounts.find((m: Doc) => sweepArg.startsWith(m.mountPath + '/'));
    expect(pod.volumes.find((v: Doc) => v.name === sweepMount.name).configMap.name).toBe('joulesim-sweep');
  });

  it('merges from the same folder on the same volume', () => {
    const shard = byName('Job', 'joulesim-sweep').spec.template.spec;
    const merge = byName('Job', 'joulesim-sweep-merge').spec.template.spec;
    const out = flagValue(shard.containers[0].args, '--out')!;
    const script: string = merge.containers[0].args.join(' ');
    expect(script).toContain(`sweep merge ${out} --out ${out}`);
    const claim = (spec: Doc, mountPath: string) => {
      const m = spec.containers[0].volumeMounts.find((x: Doc) => x.mountPath === mountPath);
      return spec.volumes.find((v: Doc) => v.name === m.name).persistentVolumeClaim.claimName;
    };
    expect(claim(merge, '/data')).toBe(claim(shard, '/data'));
    expect(byName('Job', 'joulesim-sweep-merge').spec.activeDeadlineSeconds).toBeGreaterThan(0);
  });

  const kubectl = spawnSync('kubectl', ['version', '--request-timeout=5s', '-o', 'json'], { timeout: 15_000, encoding: 'utf8' });
  const server = kubectl.status === 0 && /serverVersion/.test(kubectl.stdout ?? '');
  if (!server) console.warn('joulesim: no kubectl with a reachable cluster; examples/k8s/sweep-job.yaml is checked against the schemas only');
  it.skipIf(!server)('passes a server-side dry run', () => {
    const r = spawnSync('kubectl', ['apply', '--dry-run=server', '--validate=strict', '-f', file], { timeout: 60_000, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });
});
