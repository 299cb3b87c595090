/**
 * The dashboard's view: one function from a DashboardState to an HTML fragment (summary cards,
 * the learning curves as inline SVG drawn by src/plot/chart.ts, sample predictions when the state
 * has them, the layer table). The same
 * component renders the Node dashboard (src/node/dashboard.ts) and in-browser training pages;
 * browser-safe, text in, text out. `dashboardPage` wraps it into a self-contained page (inline CSS
 * and JS, no external request) that polls a JSON endpoint and swaps in the fragment it carries.
 */
import { plotStatistics } from '../plot/chart.js';
import { escapeXml } from '../plot/svg.js';
import type { DashboardState } from './state.js';

/** The marker the fragment's root carries (tests look for it). */
export const COMPONENT = 'cortado-curves';

/** Curves drawn, in this order, when recorded: the loss, every validation output, then images/s and lr. */
function curveKeys(state: DashboardState): string[] {
  const names = Object.keys(state.statistics).filter((k) => state.statistics[k].length > 0);
  const validation = names.filter((k) => k.startsWith('validation/')).sort();
  return [...names.filter((k) => k === 'loss'), ...validation, ...['images/s', 'lr'].filter((k) => names.includes(k))];
}

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 1000 ? String(Math.round(v)) : v.toPrecision(digits);
}

/** The dashboard fragment for `state` (a `<div>` with `data-component="cortado-curves"`). */
export function renderDashboard(state: DashboardState): string {
  const e = escapeXml;
  const cards: [string, string][] = [
    ['iteration', `${state.iter} / ${state.maxIter}`],
    ['loss', fmt(state.loss)],
    ['lr', fmt(state.lr)],
    ['images/s', fmt(state.imagesPerSecond, 3)],
    ...Object.entries(state.validation).map(([k, v]): [string, string] => [k, fmt(v)]),
    ['status', state.running ? 'training' : 'ended'],
  ];
  const keys = curveKeys(state);
  const chart = keys.length
    ? plotStatistics(state.statistics, { keys, width: 960, height: 44 + 240 * Math.ceil(keys.length / 2), title: 'Learning curves' }).svg.replace(/^<\?xml[^>]*>\s*/, '')
    : '<p class="empty">No statistics yet: the curves appear at the first training summary.</p>';
  const rows = state.layers.map((l) =>
    `<tr><td>${e(l.name)}</td><td>${e(l.type)}</td><td>${e(l.bottoms.join(', ') || '-')}</td><td>${l.tops.map((t) => `${e(t.name)} [${t.shape.join(', ')}]`).join('<br>')}</td></tr>`).join('');
  return `<div data-component="${COMPONENT}" data-iter="${state.iter}">` +
    `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="k">${e(k)}</div><div class="v">${e(v)}</div></div>`).join('')}</div>` +
    `<div class="chart">${chart}</div>` +
    renderSamples(state) +
    `<table class="layers"><thead><tr><th>layer</th><th>type</th><th>bottoms</th><th>tops [shape]</th></tr></thead><tbody>${rows}</tbody></table>` +
    `</div>`;
}

/** The sample predictions: each input with "predicted (true)", wrong ones marked. */
function renderSamples(state: DashboardState): string {
  if (!state.samples?.length) return '';
  const figures = state.samples.map((s) => {
    const ok = s.predicted === s.label;
    // Only data:image URLs are drawn: the state may come over the network.
    const src = /^data:image\/(bmp|png);base64,[A-Za-z0-9+/=]+$/.test(s.image) ? s.image : '';
    return `<figure class="sample${ok ? '' : ' wrong'}" data-label="${s.label}" data-predicted="${s.predicted}"><img src="${src}" alt="label ${s.label}">` +
      `<figcaption>${s.predicted}${ok ? '' : ` (true ${s.label})`}</figcaption></figure>`;
  }).join('');
  return `<div class="samples"><div class="k">sample predictions at the last validation: predicted (true label when wrong)</div>${figures}</div>`;
}

/** Inline CSS shared by the dashboard page and in-browser training pages. */
export const DASHBOARD_CSS = `body{font-family:system-ui,sans-serif;margin:16px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 12px}.cards{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:90px}
.card .k{font-size:12px;color:#666}.card .v{font-size:18px;font-variant-numeric:tabular-nums}
.chart svg{max-width:100%;height:auto;border:1px solid #ddd;background:#fff}
table.layers{border-collapse:collapse;margin-top:12px;font-size:13px;background:#fff}
.samples{margin-top:12px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 12px}.samples .k{font-size:12px;color:#666}
figure.sample{display:inline-block;margin:6px 8px 0 0;text-align:center;font-size:13px}
figure.sample img{width:56px;height:56px;image-rendering:pixelated;display:block;border:2px solid #cde}
figure.sample.wrong img{border-color:#d33}figure.sample.wrong figcaption{color:#d33}
table.layers td,table.layers th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}`;

/**
 * A self-contained page showing `state`, then polling `endpoint` (same origin) every `pollMs`
 * milliseconds for `{ state, html }` and swapping `html` in; polling stops once a state says the
 * run has ended.
 */
export function dashboardPage(state: DashboardState, endpoint = 'state.json', pollMs = 500): string {
  const script = `(function(){var root=document.getElementById('dashboard');var title=document.getElementById('title');
function poll(){fetch(${JSON.stringify(endpoint)},{cache:'no-store'}).then(function(r){return r.json()}).then(function(d){
root.innerHTML=d.html;title.textContent=d.state.title+(d.state.running?'':' (ended)');if(d.state.running)setTimeout(poll,${pollMs});
}).catch(function(){title.textContent=${JSON.stringify(state.title)}+' (dashboard server gone)';});}
setTimeout(poll,${pollMs});})();`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(state.title)}</title><style>${DASHBOARD_CSS}</style></head>` +
    `<body><h1 id="title">${escapeXml(state.title)}</h1><div id="dashboard">${renderDashboard(state)}</div><script>${script}</script></body></html>`;
}
