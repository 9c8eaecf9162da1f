// Health (/observe/health) and the service's own metrics (/observe/metrics, Prometheus text).
import { observe } from './api.js';
import { h, badge, table, errorBox } from './ui.js';

const SHOWN = [
  ['exporthub_tasks', 'Tasks'],
  ['exporthub_files', 'Files'],
  ['exporthub_queue_depth', 'Tasks queued'],
  ['exporthub_retries_total', 'Retries'],
];

export async function render(view, { page }) {
  const area = h('div', {});
  view.replaceChildren(h('h1', {}, 'Health'), area);
  const load = async () => {
    const [health, metrics] = await Promise.all([observe('/observe/health?exposureLevel=full'), observe('/observe/metrics')]);
    if (page.left) return false;
    area.replaceChildren(healthView(health), h('h2', {}, 'Metrics'), metricsView(metrics));
    return true;
  };
  await load();
  page.every(5000, load);
}

function healthView(health) {
  if (!health.body) return errorBox(new Error(`Health: HTTP ${health.status} ${health.text}`));
  const checks = health.body.checks || [];
  const name = (c) => c.name || c.id || '';
  // every route and its consumer have checks of their own: only those not UP are worth a row
  const perRoute = (c) => /^(route|consumer):/.test(name(c));
  const routes = checks.filter(perRoute);
  const shown = checks.filter((c) => !perRoute(c) || c.status !== 'UP');
  return h('div', {},
    h('p', { id: 'health-status' }, 'Service: ', badge(health.body.status)),
    shown.length ? table(['Check', 'State', 'Message'], shown.map((c) => h('tr', {},
      h('td', {}, name(c)), h('td', {}, badge(c.status || '')),
      h('td', { class: 'details' }, c.message || c.data?.['failure.error.message'] || c.data?.message || '')))) : null,
    routes.length ? h('p', { class: 'muted' }, `${routes.filter((c) => c.status === 'UP').length} of ${routes.length} route and consumer checks UP.`) : null);
}

/** Sums each shown metric by its status label (or in all), from the Prometheus text format. */
function metricsView(metrics) {
  if (metrics.status !== 200) return errorBox(new Error(`Metrics: HTTP ${metrics.status}`));
  const values = new Map();
  for (const line of metrics.text.split('\n')) {
    const m = line.match(/^([a-z_]+)(?:\{([^}]*)\})?\s+([-+0-9.eE]+|NaN)$/);
    if (!m) continue;
    const status = /status="([^"]+)"/.exec(m[2] || '')?.[1];
    const key = status ? `${m[1]}:${status}` : m[1];
    values.set(key, (values.get(key) || 0) + Number(m[3]));
  }
  const cards = [];
  for (const [metric, title] of SHOWN) {
    const keys = [...values.keys()].filter((k) => k === metric || k.startsWith(`${metric}:`)).sort();
    for (const key of keys) {
      const label = key.includes(':') ? `${title}: ${key.split(':')[1]}` : title;
      cards.push(h('div', { class: 'metric' }, h('div', { class: 'muted' }, label), h('div', { class: 'value' }, String(values.get(key)))));
    }
  }
  return cards.length ? h('div', { class: 'metrics', id: 'metrics' }, cards) : h('p', { class: 'muted' }, 'No export metrics yet.');
}
