// Tasks: filter by status, creator and connector; a page of tasks with their progress, refreshed
// while any of them runs.
import { moi } from './api.js';
import { h, badge, time, progress, table, field, errorBox, TASK_STATUS, TARGETS } from './ui.js';

const PAGE_SIZE = 10;

export async function render(view, { query, page }) {
  const status = query.get('status') || '';
  const creator = query.get('creator') || '';
  const connector = query.get('connector') || '';
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);

  const statusSelect = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'any'),
    Object.entries(TASK_STATUS).map(([value, word]) => h('option', { value, selected: value === status }, word)));
  const creatorInput = h('input', { id: 'filter-creator', name: 'creator', value: creator });
  const connectorInput = h('input', { id: 'filter-connector', name: 'connector', value: connector, list: 'connector-names' });
  const connectorNames = h('datalist', { id: 'connector-names' });
  moi('/connector/list').then((data) => connectorNames.replaceChildren(...data.connectors.map((c) => h('option', { value: c.name }))),
    () => {}); // only suggestions: the filter works without them
  const filters = h('form', { class: 'card row', role: 'search', 'aria-label': 'Filter tasks', onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (statusSelect.value) next.set('status', statusSelect.value);
    if (creatorInput.value.trim()) next.set('creator', creatorInput.value.trim());
    if (connectorInput.value.trim()) next.set('connector', connectorInput.value.trim());
    location.hash = `#/tasks?${next}`;
  } },
  field('Status', statusSelect), field('Creator', creatorInput), field('Connector name', connectorInput), connectorNames,
  h('button', { type: 'submit' }, 'Filter'));

  const results = h('div', { id: 'task-results', 'aria-live': 'polite' });
  view.replaceChildren(h('h1', {}, 'Export tasks'), filters, results);

  const request = { offset, limit: PAGE_SIZE, order_by: 'created_at', order_direction: 'desc' };
  if (status) request.statuses = [Number(status)];
  if (creator) request.creator = creator;
  if (connector) request.connector_name = connector;

  const load = async () => {
    const data = await moi('/export/task/list', request);
    const states = await Promise.all(data.tasks.map((t) => moi(`/export/task/${encodeURIComponent(t.id)}/state`, {}, { method: 'GET' })));
    if (page.left) return false;
    results.replaceChildren(list(data, states, query, offset));
    return data.tasks.some((t) => t.status === 1);
  };
  try {
    if (await load()) page.every(2000, load);
  } catch (e) {
    results.replaceChildren(errorBox(e));
  }
}

function list(data, states, query, offset) {
  if (data.tasks.length === 0) return h('p', { class: 'muted' }, 'No tasks match.');
  const rows = data.tasks.map((t, i) => h('tr', { class: 'task-row', 'data-task-id': t.id, 'data-status': TASK_STATUS[t.status] },
    h('td', {}, h('a', { href: `#/tasks/${encodeURIComponent(t.id)}` }, t.name || t.id)),
    h('td', {}, badge(TASK_STATUS[t.status] || String(t.status))),
    h('td', {}, progress(states[i])),
    h('td', {}, TARGETS[t.type] || String(t.type)),
    h('td', {}, t.connector_name || ''),
    h('td', {}, t.creator || ''),
    h('td', {}, time(t.create_time)),
    h('td', {}, time(t.end_time))));
  const move = (to) => {
    const next = new URLSearchParams(query);
    next.set('offset', String(to));
    return `#/tasks?${next}`;
  };
  const last = Math.min(offset + data.tasks.length, data.total);
  return h('div', {},
    table(['Task', 'Status', 'Progress', 'Target', 'Connector', 'Creator', 'Created', 'Ended'], rows, { id: 'tasks-table' }),
    h('nav', { class: 'pager', 'aria-label': 'Pages of tasks' },
      offset > 0 ? h('a', { href: move(Math.max(0, offset - PAGE_SIZE)), class: 'button' }, 'Previous') : null,
      h('span', {}, `${offset + 1}–${last} of ${data.total}`),
      last < data.total ? h('a', { href: move(offset + PAGE_SIZE), class: 'button' }, 'Next') : null));
}
