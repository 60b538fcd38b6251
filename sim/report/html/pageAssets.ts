/**
 * The CSS and the small script inlined into report.html. The page is complete without the script (every chart is
 * static SVG); the script adds a cursor readout on the charts and legend items that hide and show a series. It
 * records any error it meets on <body data-js-errors> and marks <body data-report-ready="1"> when set up, so a
 * headless browser test can check both from the DOM.
 */

export const PAGE_CSS = `
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --panel: #ffffff; --bg: #f4f6f9; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; }
main { max-width: 1360px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 16px; }
.provenance { border-radius: 8px; padding: 12px 16px; margin: 16px 0; border: 1px solid; }
.provenance strong { text-transform: uppercase; letter-spacing: .04em; }
.prov-calibrated { background: #e8f5ee; border-color: #8cc9a8; }
.prov-transferred { background: #fff5e0; border-color: #e8c170; }
.prov-datasheet { background: #fdecea; border-color: #e5a29b; }
.prov-extrapolated { background: #fff5e0; border-color: #d9a13b; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.calibrated { background: #cfeedd; color: #145a36; }
.badge.extrapolated { background: #fbe3b4; color: #6b4500; }
.badge.transferred { background: #ffe7b3; color: #6b4700; }
.badge.datasheet { background: #f9d3ce; color: #7a1d12; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(215px, 1fr)); gap: 12px; margin: 16px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; white-space: nowrap; }
.card .d { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.panel { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px 10px; }
figure.panel figcaption { color: var(--muted); font-size: 12.5px; padding: 2px 6px 0; }
svg.chart { width: 100%; height: auto; display: block; font-size: 12px; }
svg.chart text { fill: var(--ink); }
svg.chart .chart-title { font-size: 14px; font-weight: 600; }
svg.chart .tick, svg.chart .note, svg.chart .category { fill: #3d4556; }
svg.chart .note { font-size: 11px; fill: var(--muted); }
svg.chart .axis-label { font-size: 12px; fill: #3d4556; }
svg.chart .grid { stroke: #e6e9ef; stroke-width: 1; }
svg.chart .minor, svg.chart .tickmark { stroke: #9aa3b2; }
svg.chart .frame, svg.chart .axis-line { fill: none; stroke: #9aa3b2; }
svg.chart .guide line { stroke: #6b7385; stroke-dasharray: 3 3; }
svg.chart .guide text { font-size: 11px; fill: #4b5365; }
svg.chart .legend-item { cursor: pointer; }
svg.chart .legend-item.off { opacity: .35; }
svg.chart .data .off { display: none; }
svg.chart .hover { fill: transparent; pointer-events: all; }
svg.chart .cross { stroke: #6b7385; stroke-dasharray: 2 2; }
svg.chart .readout-bg { fill: #ffffff; stroke: #9aa3b2; }
svg.chart .readout-text { font-size: 11.5px; }
svg.chart .bar-label { font-size: 11.5px; fill: #3d4556; }
table { border-collapse: collapse; width: 100%; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; font-size: 13px; }
th { background: #eef1f6; font-weight: 600; font-size: 12px; white-space: normal; vertical-align: bottom; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
td.neg { color: #146c43; }
td.pos { color: #a3261a; }
.table-wrap { overflow-x: auto; }
ul.warn { background: #fff8e6; border: 1px solid #ecd08a; border-radius: 8px; padding: 10px 10px 10px 30px; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
code { background: #eef1f6; padding: 0 4px; border-radius: 3px; }
@media print { body { background: #fff; } .grid { grid-template-columns: 1fr; } }
`;

export const PAGE_JS = `
(function () {
  var errors = [];
  function record(msg) { errors.push(String(msg)); document.body.setAttribute('data-js-errors', errors.join(' | ')); }
  window.addEventListener('error', function (e) { record(e.message || e.type); });
  function sig(v) { var a = Math.abs(v); return a >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3))); }
  function fmt(v, unit) {
    if (unit === 's') {
      var a = Math.abs(v);
      if (a < 1e-3) return sig(v * 1e6) + ' \\u00b5s';
      if (a < 1) return sig(v * 1e3) + ' ms';
      if (a < 120) return sig(v) + ' s';
      if (a < 7200) return sig(v / 60) + ' min';
      return sig(v / 3600) + ' h';
    }
    return sig(v) + (unit ? ' ' + unit : '');
  }
  function invert(f, d) {
    if (d[2]) { var l0 = Math.log(d[0]), l1 = Math.log(d[1]); return Math.exp(l0 + f * (l1 - l0)); }
    return d[0] + f * (d[1] - d[0]);
  }
  try {
    var charts = document.querySelectorAll('svg.chart');
    Array.prototype.forEach.call(charts, function (svg) {
      Array.prototype.forEach.call(svg.querySelectorAll('.legend-item'), function (item) {
        function toggle() {
          var key = item.getAttribute('data-series');
          var off = !item.classList.contains('off');
          item.classList.toggle('off', off);
          item.setAttribute('aria-pressed', off ? 'false' : 'true');
          Array.prototype.forEach.call(svg.querySelectorAll('.data [data-series="' + key + '"]'), function (el) { el.classList.toggle('off', off); });
        }
        item.addEventListener('click', toggle);
        item.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
      });
      var hover = svg.querySelector('rect.hover');
      if (!hover) return;
      var readout = svg.querySelector('.readout');
      var cross = readout.querySelector('.cross'), bg = readout.querySelector('.readout-bg'), text = readout.querySelector('.readout-text');
      var X = hover.getAttribute('data-x').split(' ').map(Number), Y = hover.getAttribute('data-y').split(' ').map(Number);
      var xu = hover.getAttribute('data-xu'), yu = hover.getAttribute('data-yu');
      var x0 = +hover.getAttribute('x'), y0 = +hover.getAttribute('y'), w = +hover.getAttribute('width'), h = +hover.getAttribute('height');
      hover.addEventListener('mousemove', function (ev) {
        var ctm = svg.getScreenCTM();
        if (!ctm) return;
        var pt = svg.createSVGPoint(); pt.x = ev.clientX; pt.y = ev.clientY;
        var p = pt.matrixTransform(ctm.inverse());
        var vx = invert((p.x - x0) / w, X), vy = invert(1 - (p.y - y0) / h, Y);
        text.textContent = fmt(vx, xu) + ',  ' + fmt(vy, yu);
        var tw = text.getComputedTextLength ? text.getComputedTextLength() : 120;
        var tx = p.x + 10 + tw + 8 > x0 + w ? p.x - tw - 18 : p.x + 10;
        var ty = Math.max(y0 + 4, p.y - 24);
        cross.setAttribute('x1', p.x); cross.setAttribute('x2', p.x);
        bg.setAttribute('x', tx - 4); bg.setAttribute('y', ty - 13); bg.setAttribute('width', tw + 8);
        text.setAttribute('x', tx); text.setAttribute('y', ty);
        readout.setAttribute('visibility', 'visible');
      });
      hover.addEventListener('mouseleave', function () { readout.setAttribute('visibility', 'hidden'); });
    });
    document.body.setAttribute('data-charts', String(charts.length));
  } catch (e) {
    record(e && e.message ? e.message : e);
  }
  document.body.setAttribute('data-report-ready', '1');
})();
`;
