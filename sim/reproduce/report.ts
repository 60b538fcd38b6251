/** Renders the reproduction: a terminal listing, a Markdown report and a self-contained HTML page with inline SVG. */
import type { Figure } from './figures.js';
import { FINDING_TITLES, type FindingRow } from './findings.js';
import type { ReproduceMeta } from './reproduce.js';
import type { SweepOutcome } from './runSweeps.js';
import { esc } from './svg.js';

export function valueText(v: number | string | null, unit: string): string {
  if (v === null) return 'not yet simulated';
  if (typeof v === 'string') return v;
  return unit === '%' ? `${v}%` : unit === 'percentage points' ? `${v} pp` : String(v);
}

const mark = (d: boolean | null) => (d === null ? '–' : d ? 'yes' : 'NO');

export function summaryCounts(findings: readonly FindingRow[]): { metrics: number; simulated: number; direction: number; agree: number } {
  const sim = findings.filter((f) => f.status === 'simulated');
  return {
    metrics: findings.length,
    simulated: sim.length,
    direction: sim.filter((f) => f.direction_matches).length,
    agree: sim.filter((f) => f.agreement === 'agrees').length,
  };
}

function groups(findings: readonly FindingRow[]): [string, FindingRow[]][] {
  const order: string[] = [];
  const by = new Map<string, FindingRow[]>();
  for (const f of findings) {
    if (!by.has(f.finding)) {
      by.set(f.finding, []);
      order.push(f.finding);
    }
    by.get(f.finding)!.push(f);
  }
  return order.map((k) => [k, by.get(k)!]);
}

export function renderText(findings: readonly FindingRow[], meta: ReproduceMeta): string {
  const lines: string[] = [];
  for (const [k, rows] of groups(findings)) {
    lines.push(`${k === 'T4' ? 'Table 4' : `Finding ${k}`}: ${FINDING_TITLES[k] ?? ''}`);
    for (const r of rows) {
      lines.push(`  • ${r.metric}`);
      lines.push(`      paper ${valueText(r.paper_value, r.unit)} | joulesim ${valueText(r.joulesim_value, r.unit)} | direction matches: ${mark(r.direction_matches)} | ${r.agreement}`);
      lines.push(`      cost: ${r.cost_source}`);
      if (r.disagreement) lines.push(`      disagreement: ${r.disagreement}`);
      if (r.note) lines.push(`      note: ${r.note}`);
    }
    lines.push('');
  }
  const c = summaryCounts(findings);
  lines.push(
    `${c.metrics} metrics: ${c.simulated} simulated, ${c.direction} with the paper's direction, ${c.agree} also within 30% of its number; ${c.metrics - c.simulated} not yet simulated.`,
  );
  lines.push(`${meta.sweeps.reduce((a, s) => a + s.simulated, 0)} configurations simulated in ${meta.seconds.toFixed(1)} s${meta.max_requests ? ` (requests capped at ${meta.max_requests} per configuration: a reduced run)` : ''}.`);
  return lines.join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(findings: readonly FindingRow[], meta: ReproduceMeta, figures: readonly Figure[]): string {
  const c = summaryCounts(findings);
  const out: string[] = [];
  out.push('# joulesim reproduction of Fernandez et al. (ACL 2025)', '');
  out.push(`Run ${meta.date} with joulesim ${meta.joulesim_version} on Node ${meta.node}, ${meta.machine}: \`${meta.command}\`, ${meta.seconds.toFixed(1)} s.${meta.max_requests ? ` Requests capped at ${meta.max_requests} per configuration (reduced run).` : ''}`, '');
  out.push(`${c.metrics} metrics: ${c.simulated} simulated, ${c.direction} with the paper's direction, ${c.agree} also within 30% of its number; ${c.metrics - c.simulated} not yet simulated.`, '');
  out.push('| finding | metric | paper | joulesim | direction matches | agreement | cost source |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of findings) {
    out.push(`| ${r.finding} | ${mdCell(r.metric)} | ${mdCell(valueText(r.paper_value, r.unit))} | ${mdCell(valueText(r.joulesim_value, r.unit))} | ${mark(r.direction_matches)} | ${r.agreement} | ${mdCell(r.cost_source)} |`);
  }
  out.push('', '## Where joulesim disagrees, and why', '');
  for (const r of findings.filter((f) => f.disagreement || f.status !== 'simulated')) {
    out.push(`- **${r.finding} — ${r.metric}**: ${r.disagreement ?? r.note ?? 'not yet simulated'}`);
  }
  out.push('', '## Settings and notes', '');
  for (const r of findings) out.push(`- **${r.id}**: ${r.setting}.${r.note ? ` ${r.note}` : ''}`);
  out.push('', '## Figures', '');
  for (const f of figures) out.push(`- [figures/${f.file}](figures/${f.file}): ${f.caption}`);
  out.push('', '## Sweeps', '', '| sweep | configurations | simulated | status | seconds |', '| --- | --- | --- | --- | --- |');
  for (const s of meta.sweeps) out.push(`| ${s.id} | ${s.points} | ${s.simulated} | ${s.status}${s.detail ? `: ${mdCell(s.detail)}` : ''} | ${s.seconds.toFixed(2)} |`);
  return out.join('\n') + '\n';
}

export function renderHtml(findings: readonly FindingRow[], meta: ReproduceMeta, figures: readonly Figure[], sweeps: readonly SweepOutcome[]): string {
  const c = summaryCounts(findings);
  const colour = (a: string) => ({ agrees: '#e5f5e0', 'direction only': '#fff7d6', disagrees: '#fde0dd', 'not yet simulated': '#eeeeee' })[a] ?? '#fff';
  const rows = findings
    .map(
      (r) =>
        `<tr style="background:${colour(r.agreement)}"><td>${esc(r.finding)}</td><td>${esc(r.metric)}</td><td>${esc(valueText(r.paper_value, r.unit))}</td><td>${esc(valueText(r.joulesim_value, r.unit))}</td><td>${mark(r.direction_matches)}</td><td>${esc(r.agreement)}</td><td class="small">${esc(r.cost_source)}</td></tr>` +
        (r.disagreement || r.note ? `<tr class="why"><td></td><td colspan="6">${r.disagreement ? `<b>Why they differ:</b> ${esc(r.disagreement)}` : ''}${r.note ? ` <i>${esc(r.note)}</i>` : ''}</td></tr>` : ''),
    )
    .join('\n');
  const figs = figures
    .map((f) => `<figure><div class="svg">${f.svg.replace(/^<svg /, '<svg style="max-width:100%;height:auto" ')}</div><figcaption>${esc(f.caption)} (<a href="figures/${esc(f.file)}">${esc(f.file)}</a>)</figcaption></figure>`)
    .join('\n');
  const sweepRows = meta.sweeps.map((s) => `<tr><td>${esc(s.id)}</td><td>${s.points}</td><td>${s.simulated}</td><td>${esc(s.status)}${s.detail ? `: ${esc(s.detail)}` : ''}</td><td>${s.seconds.toFixed(2)}</td></tr>`).join('');
  const titles = sweeps.map((s) => `<li><b>${esc(s.id)}</b>: ${esc(s.title)}${s.mixedSources ? ` <i>(cost sources differ: ${esc(s.mixedSources)}; also run on the datasheet roofline for like-for-like comparisons)</i>` : ''}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>joulesim reproduction of Fernandez et al. 2025</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1500px;color:#222;line-height:1.4}
table{border-collapse:collapse;font-size:13px;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}.small{font-size:11px;color:#444}tr.why td{font-size:12px;color:#333;background:#fafafa}
figure{margin:24px 0;border-top:1px solid #ddd;padding-top:12px}figcaption{font-size:13px;color:#444}
</style></head><body>
<h1>joulesim reproduction of <i>Energy Considerations of Large Language Model Inference and Efficiency Optimizations</i></h1>
<p>Run ${esc(meta.date)} with joulesim ${esc(meta.joulesim_version)} on Node ${esc(meta.node)}, ${esc(meta.machine)}: <code>${esc(meta.command)}</code>, ${meta.seconds.toFixed(1)} s.${meta.max_requests ? ` <b>Requests capped at ${meta.max_requests} per configuration (reduced run).</b>` : ''}</p>
<p>${c.metrics} metrics: ${c.simulated} simulated, ${c.direction} with the paper's direction, ${c.agree} also within 30% of its number; ${c.metrics - c.simulated} not yet simulated. The paper's GPUs (RTX A6000, RTX 6000 Ada, A100 PCIe) were never measured here: every number is priced from a profile transferred from another GPU's calibration or from datasheet priors, as the cost column says.</p>
<table><tr><th>finding</th><th>metric</th><th>paper</th><th>joulesim</th><th>direction matches</th><th>agreement</th><th>cost source</th></tr>
${rows}
</table>
<h2>Figures</h2>
${figs}
<h2>Sweeps</h2>
<ul>${titles}</ul>
<table><tr><th>sweep</th><th>configurations</th><th>simulated</th><th>status</th><th>seconds</th></tr>${sweepRows}</table>
</body></html>
`;
}
