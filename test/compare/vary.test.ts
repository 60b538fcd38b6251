import { describe, expect, it } from 'vitest';
import { checkAxes, crossProduct, normalizeVaryValue, parseVaryFlag, variantDirName } from '../../sim/compare/vary.js';

describe('--vary parsing', () => {
  it('splits KEY=V1,V2 and trims', () => {
    expect(parseVaryFlag('gpu=a100-sxm, h100-sxm')).toEqual({ key: 'gpu', values: ['a100-sxm', 'h100-sxm'] });
  });

  it('names the flag and the known keys for an unknown key', () => {
    expect(() => parseVaryFlag('gpus=a100-sxm')).toThrow(/^--vary: unknown key 'gpus'; known: gpu, model, stack, scheduler, batch-size, power-cap-w/);
    expect(() => parseVaryFlag('gpu')).toThrow(/expected KEY=V1,V2/);
    expect(() => parseVaryFlag('gpu=a100-sxm,,b200')).toThrow(/^--vary gpu: empty value/);
  });

  it('checks and normalises every kind of value', () => {
    expect(normalizeVaryValue('gpu', 'b200')).toBe('b200');
    expect(() => normalizeVaryValue('gpu', 'h300')).toThrow(/^--vary gpu: unknown GPU 'h300'/);
    expect(() => normalizeVaryValue('model', 'gpt-5')).toThrow(/^--vary model: /);
    expect(() => normalizeVaryValue('stack', 'tgi')).toThrow(/^--vary stack: /);
    expect(normalizeVaryValue('batch-size', '32')).toBe(32);
    expect(() => normalizeVaryValue('batch-size', '0')).toThrow(/positive integer/);
    expect(() => normalizeVaryValue('tp', '1.5')).toThrow(/positive integer/);
    expect(normalizeVaryValue('power-cap-w', '350.5')).toBe(350.5);
    expect(() => normalizeVaryValue('power-cap-w', '-1')).toThrow(/positive number of watts/);
    expect(normalizeVaryValue('scheduler', 'static')).toBe('static');
    expect(() => normalizeVaryValue('scheduler', 'dynamic')).toThrow(/expected one of static, continuous/);
    expect(normalizeVaryValue('router', 'least_outstanding')).toBe('least_outstanding');
    expect(normalizeVaryValue('chunked-prefill', 'off')).toBe(false);
    expect(normalizeVaryValue('chunked-prefill', true)).toBe(true);
    expect(() => normalizeVaryValue('chunked-prefill', 'maybe')).toThrow(/true, false, on or off/);
    expect(normalizeVaryValue('cost-model', 'roofline')).toBe('roofline');
  });

  it('refuses repeated keys and values', () => {
    expect(() => checkAxes([{ key: 'gpu', values: ['b200'] }, { key: 'gpu', values: ['h200'] }])).toThrow(/given twice/);
    expect(() => checkAxes({ 'batch-size': ['8', 8] })).toThrow(/listed twice/);
    expect(() => checkAxes({ gpu: [] })).toThrow(/at least one value/);
  });
});

describe('cross product', () => {
  it('runs the first axis outermost; the first variant takes every first value', () => {
    const v = crossProduct(checkAxes([
      { key: 'gpu', values: ['a100-sxm', 'b200'] },
      { key: 'batch-size', values: ['8', '32'] },
      { key: 'power-cap-w', values: ['400'] },
    ]));
    expect(v.map((x) => x.label)).toEqual([
      'gpu=a100-sxm batch-size=8 power-cap-w=400',
      'gpu=a100-sxm batch-size=32 power-cap-w=400',
      'gpu=b200 batch-size=8 power-cap-w=400',
      'gpu=b200 batch-size=32 power-cap-w=400',
    ]);
    expect(v[1].overrides).toEqual({ cluster: { gpu: 'a100-sxm', power_cap_w: 400, scheduler: { batch_size: 32 } } });
    expect(v[1].settings).toEqual({ gpu: 'a100-sxm', 'batch-size': 32, 'power-cap-w': 400 });
  });

  it('maps every key to its scenario field', () => {
    const [v] = crossProduct(checkAxes({
      model: ['llama-3.2-1b'],
      stack: ['hf-eager'],
      scheduler: ['static'],
      tp: ['2'],
      replicas: ['3'],
      router: ['least_outstanding'],
      'chunked-prefill': ['false'],
      'cost-model': ['roofline'],
    }));
    expect(v.overrides).toEqual({
      cluster: {
        model: 'llama-3.2-1b',
        stack: 'hf-eager',
        tp: 2,
        replicas: 3,
        router: 'least_outstanding',
        cost_model: 'roofline',
        scheduler: { kind: 'static', chunked_prefill: false },
      },
    });
  });

  it('gives sortable, portable folder names', () => {
    expect(variantDirName(0, 3, 'gpu=a100-sxm power-cap-w=300')).toBe('01-gpu-a100-sxm-power-cap-w-300');
    expect(variantDirName(11, 120, 'router=least_outstanding')).toBe('012-router-least-outstanding');
  });
});
