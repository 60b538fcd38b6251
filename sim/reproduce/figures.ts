/**
 * The reproduction's figures, one self-contained SVG each: the controlled length sweeps (log-log, per batch size, like
 * the paper's Figures 1 and 8) and a bar chart per comparison.
 */
import type { FindingRow } from './findings.js';
import { costSourceText, type Results } from './results.js';
import { barChart, lineChart, type Panel, PALETTE, svgDocument, tokensLabel } from './svg.js';

export interface Figure {
  /** File name under figures/. */
  readonly file: string;
  readonly title: string;
  readonly svg: string;
  /** One line under the figure in the HTML report. */
  readonly caption: string;
}

const num = (x: unknown) => Number(x);

function lengthSweep(res: Results, sweep: string, variable: 'input' | 'output', stackName: string): Figure | null {
  const s = res.sweep(sweep);
  if (!s || s.status !== 'ok') return null;
  const pts = res.points(sweep);
  const batches = [...new Set(pts.map((p) => num(p.labels.batch)))].sort((a, b) => a - b);
  const series = (phase: 'prefill_j' | 'decode_j') =>
    batches.map((b, i) => ({
      name: `batch ${b}`,
      color: PALETTE[i % PALETTE.length],
      points: pts
        .filter((p) => num(p.labels.batch) === b && p.run)
        .map((p) => [num(p.labels[variable]), p.run![phase]] as const)
        .sort((a, c) => a[0] - c[0]),
    }));
  const fixed = variable === 'input' ? 'output 64 tokens' : 'input 512 tokens';
  const xLabel = `${variable} length (tokens, log scale)`;
  const panels: Panel[] = [
    lineChart({ title: `Prefill energy vs ${variable} length`, xLabel, yLabel: 'energy for 1,024 requests (J, log scale)', series: series('prefill_j'), logX: true, logY: true, xFormat: tokensLabel }),
    lineChart({ title: `Decode energy vs ${variable} length`, xLabel, yLabel: 'energy for 1,024 requests (J, log scale)', series: series('decode_j'), logX: true, logY: true, xFormat: tokensLabel }),
  ];
  const title = `${sweep.startsWith('fig1') ? 'Figure 1' : 'Figure 8'} (joulesim): ${stackName}, Llama-3.1-8B on an RTX A6000, ${fixed}`;
  return {
    file: `${sweep}.svg`,
    title,
    svg: svgDocument(panels, 2, `${title}. Missing points: the batch does not fit in memory. Cost: ${costSourceText(pts)}.`),
    caption: `${s.title}. Cost source: ${costSourceText(pts)}.`,
  };
}

function frameworks(res: Results): Figure | null {
  const s = res.sweep('fig3-frameworks');
  if (!s || s.status !== 'ok') return null;
  const pts = res.points('fig3-frameworks');
  const batches = [...new Set(pts.map((p) => num(p.labels.batch)))].sort((a, b) => a - b);
  const stacks = ['hf-eager', 'hf-compile', 'vllm-eager', 'vllm'];
  const names: Record<string, string> = { 'hf-eager': 'PyTorch', 'hf-compile': 'PyTorch + compile', 'vllm-eager': 'vLLM eager', vllm: 'vLLM + CUDA graphs' };
  const panels = ['a6000', 'rtx6000-ada', 'a100-pcie'].map((gpu) =>
    barChart({
      title: { a6000: 'RTX A6000', 'rtx6000-ada': 'RTX 6000 Ada', 'a100-pcie': 'A100 80GB PCIe' }[gpu]!,
      yLabel: 'energy for 1,024 requests (J, log)',
      xLabel: 'batch size',
      groups: batches.map(String),
      logY: true,
      series: stacks.map((st, i) => ({ name: names[st], color: PALETTE[i], values: batches.map((b) => res.run('fig3-frameworks', { gpu, stack: st, batch: b })?.energy_j ?? null) })),
    }),
  );
  const variant = res.comparisonVariant('fig3-frameworks');
  const title = 'Figure 3 (joulesim): energy by framework, GPU and batch size, Llama-3.1-8B, 512 in / 64 out';
  return {
    file: 'fig3-frameworks.svg',
    title,
    svg: svgDocument(panels, 1, `${title}. – : the batch does not fit. Cost: ${variant === 'roofline' ? 'datasheet roofline for every stack (like-for-like)' : costSourceText(pts)}.`),
    caption: `${s.title}. ${variant === 'roofline' ? `Stacks' best sources differ (${s.mixedSources}); drawn like-for-like on the datasheet roofline.` : `Cost: ${costSourceText(pts)}.`}`,
  };
}

function moe(res: Results): Figure | null {
  const s = res.sweep('fig2-moe');
  if (!s || s.status !== 'ok') return null;
  const pts = res.points('fig2-moe');
  const batches = [...new Set(pts.map((p) => num(p.labels.batch)))].sort((a, b) => a - b);
  const models = ['olmo-1b', 'olmoe-1b-7b', 'olmo-7b'];
  const panel = barChart({
    title: 'Figure 2 (joulesim): MoE vs dense, vLLM, RTX A6000',
    yLabel: 'energy for 1,024 requests (J, log)',
    xLabel: 'batch size',
    groups: batches.map(String),
    logY: true,
    series: models.map((m, i) => ({ name: m, color: PALETTE[i], values: batches.map((b) => res.run('fig2-moe', { model: m, batch: b })?.energy_j ?? null) })),
  });
  return { file: 'fig2-moe.svg', title: 'Figure 2', svg: svgDocument([panel], 1, `Cost: ${costSourceText(pts)}.`), caption: `${s.title}. Cost: ${costSourceText(pts)}.` };
}

function tensorParallel(res: Results): Figure | null {
  const s = res.sweep('fig4-tp');
  if (!s || s.status !== 'ok') return null;
  const models = ['llama-3.1-8b', 'qwen1.5-32b'];
  const tps = [1, 2, 4];
  const rel = (m: string, tp: number, k: 'makespan_s' | 'energy_j') => {
    const a = res.run('fig4-tp', { model: m, tp: 1 });
    const b = res.run('fig4-tp', { model: m, tp });
    return a && b ? (100 * b[k]) / a[k] : null;
  };
  const panels = (['makespan_s', 'energy_j'] as const).map((k) =>
    barChart({
      title: k === 'energy_j' ? 'Total energy (all GPUs)' : 'Latency (makespan)',
      yLabel: '% of 1 GPU',
      groups: models,
      labels: true,
      series: tps.map((tp, i) => ({ name: `tp ${tp}`, color: PALETTE[i], values: models.map((m) => rel(m, tp, k)) })),
    }),
  );
  const pts = res.points('fig4-tp');
  return {
    file: 'fig4-tp.svg',
    title: 'Figure 4',
    svg: svgDocument(panels, 2, `Figure 4 (joulesim): tensor parallelism, vLLM, A100 PCIe, batch 1. Cost: ${costSourceText(pts)}.`),
    caption: `${s.title}. Cost: ${costSourceText(pts)}.`,
  };
}

function onlineOffline(res: Results): Figure | null {
  const s = res.sweep('fig7-online-offline');
  if (!s || s.status !== 'ok') return null;
  const pts = res.points('fig7-online-offline');
  const batches = [...new Set(pts.map((p) => num(p.labels.batch)))].sort((a, b) => a - b);
  const gpus = ['a6000', 'rtx6000-ada', 'a100-pcie'];
  const saving = (workload: string, gpu: string, batch: number, base: string) => {
    const b = res.run('fig7-online-offline', { workload, gpu, mode: base, batch });
    const o = res.run('fig7-online-offline', { workload, gpu, mode: 'online', batch });
    return b && o ? (100 * (b.energy_j - o.energy_j)) / b.energy_j : null;
  };
  const panels = [
    ['wikitext2', 'offline', 'Online vs offline, WikiText-2-like (output 64)'],
    ['azure-conv', 'offline', 'Online vs offline, Azure-Conversation-like'],
    ['azure-conv', 'static', 'Continuous vs static (padded) batches, Azure-Conversation-like'],
  ].map(([w, base, title]) =>
    barChart({
      title,
      yLabel: `(E_${base} − E_online) / E_${base} (%)`,
      xLabel: 'batch size',
      groups: batches.map(String),
      labels: true,
      width: 470,
      series: gpus.map((g, i) => ({ name: g, color: PALETTE[i], values: batches.map((b) => saving(w, g, b, base)) })),
    }),
  );
  return {
    file: 'fig7-online-offline.svg',
    title: 'Figure 7',
    svg: svgDocument(panels, 3, `Figure 7 (joulesim): energy saved by online continuous batching, vLLM, Llama-3.1-8B. Cost: ${costSourceText(pts)}.`),
    caption: `${s.title}. Cost: ${costSourceText(pts)}.`,
  };
}

function nlpTasks(res: Results): Figure | null {
  const s = res.sweep('nlp-tasks');
  if (!s || s.status !== 'ok') return null;
  const tasks = ['translation', 'generation', 'classification', 'summarization'];
  const arms = [
    ['hf-eager', 1],
    ['hf-eager', 8],
    ['hf-eager', 128],
    ['vllm', 1],
    ['vllm', 8],
    ['vllm', 128],
  ] as const;
  const panel = barChart({
    title: 'Figures 6 and 10 (joulesim): classic NLP tasks, RTX A6000',
    yLabel: 'energy for 1,024 samples (J, log)',
    groups: tasks,
    logY: true,
    width: 760,
    series: arms.map(([st, b], i) => ({ name: `${st === 'vllm' ? 'vLLM' : 'PyTorch'} b${b}`, color: PALETTE[i], values: tasks.map((t) => res.run('nlp-tasks', { task: t, stack: st, batch: b })?.energy_j ?? null) })),
  });
  const variant = res.comparisonVariant('nlp-tasks');
  return {
    file: 'nlp-tasks.svg',
    title: 'NLP tasks',
    svg: svgDocument([panel], 1, variant === 'roofline' ? 'Both stacks on the datasheet roofline (like-for-like).' : `Cost: ${costSourceText(res.points('nlp-tasks'))}.`),
    caption: `${s.title}. ${variant === 'roofline' ? `Stacks' best sources differ (${s.mixedSources}); drawn like-for-like on the datasheet roofline.` : ''}`,
  };
}

function table4(findings: readonly FindingRow[]): Figure | null {
  const t4 = findings.filter((f) => f.finding === 'T4');
  const f9 = findings.filter((f) => f.finding === '9' && typeof f.paper_value === 'number');
  if (t4.length === 0) return null;
  const datasets = ['burstgpt', 'azure-code', 'azure-conv'];
  const val = (id: string, which: 'paper' | 'joulesim') => {
    const r = findings.find((f) => f.id === id);
    const v = which === 'paper' ? r?.paper_value : r?.joulesim_value;
    return typeof v === 'number' ? v : null;
  };
  const panels = [
    barChart({
      title: 'Table 4: % above the idealized estimate',
      yLabel: '(Ê_total − Ê_optimal) / Ê_optimal (%)',
      groups: datasets,
      labels: true,
      width: 560,
      series: [
        { name: 'PyTorch, paper', color: '#9ecae1', values: datasets.map((d) => val(`T4.${d}-hf-eager`, 'paper')) },
        { name: 'PyTorch, joulesim', color: '#1f77b4', values: datasets.map((d) => val(`T4.${d}-hf-eager`, 'joulesim')) },
        { name: 'vLLM, paper', color: '#fdae6b', values: datasets.map((d) => val(`T4.${d}-vllm`, 'paper')) },
        { name: 'vLLM, joulesim', color: '#e6550d', values: datasets.map((d) => val(`T4.${d}-vllm`, 'joulesim')) },
      ],
    }),
    barChart({
      title: 'Finding 9: energy saved by vLLM over PyTorch',
      yLabel: 'saving (%)',
      groups: datasets,
      labels: true,
      width: 440,
      series: [
        { name: 'paper', color: '#bbbbbb', values: datasets.map((d) => val(`9.${d}`, 'paper')) },
        { name: 'joulesim', color: '#2ca02c', values: datasets.map((d) => val(`9.${d}`, 'joulesim')) },
      ],
    }),
  ];
  return {
    file: 'table4-savings.svg',
    title: 'Table 4',
    svg: svgDocument(panels, 2, `§2.1 estimator, RTX A6000, FLOPS_HW 309.7 TFLOPS. Cost: ${t4.map((r) => r.cost_source).filter((v, i, a) => a.indexOf(v) === i).join('; ')}${f9[0]?.note ? '; finding 9 like-for-like on the datasheet roofline' : ''}.`),
    caption: 'Table 4 and finding 9: paper vs joulesim.',
  };
}

function speculative(res: Results): Figure | null {
  const s = res.sweep('spec-decoding');
  if (!s) return null;
  const batches = [...new Set(s.points.map((p) => num(p.labels.batch)))].sort((a, b) => a - b);
  const change = (b: number) => {
    const a = res.run('spec-decoding', { decoding: 'autoregressive', batch: b });
    const sd = res.run('spec-decoding', { decoding: 'speculative', batch: b });
    return a && sd ? (100 * (sd.energy_j - a.energy_j)) / a.energy_j : null;
  };
  const panel = barChart({
    title: 'Finding 2 (joulesim): speculative vs autoregressive decoding',
    width: 520,
    yLabel: 'energy change (%)',
    xLabel: 'batch size',
    groups: batches.map(String),
    labels: true,
    series: [{ name: 'speculative (γ = 4) vs autoregressive', color: PALETTE[4], values: batches.map(change) }],
  });
  return {
    file: 'spec-decoding.svg',
    title: 'Finding 2',
    svg: svgDocument([panel], 1, s.status === 'ok' ? `Cost: ${costSourceText(res.points('spec-decoding'))}.` : `Not yet simulated: ${s.detail}`),
    caption: s.status === 'ok' ? s.title : `${s.title}: not yet simulated (${s.detail}).`,
  };
}

export function buildFigures(res: Results, findings: readonly FindingRow[]): Figure[] {
  return [
    lengthSweep(res, 'fig1-input', 'input', 'vLLM'),
    lengthSweep(res, 'fig1-output', 'output', 'vLLM'),
    lengthSweep(res, 'fig8-input', 'input', 'PyTorch (HF eager)'),
    lengthSweep(res, 'fig8-output', 'output', 'PyTorch (HF eager)'),
    speculative(res),
    moe(res),
    frameworks(res),
    nlpTasks(res),
    onlineOffline(res),
    tensorParallel(res),
    table4(findings),
  ].filter((f): f is Figure => f !== null);
}
