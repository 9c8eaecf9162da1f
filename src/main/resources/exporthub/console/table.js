// One table: its schema; import a CSV or JSON file and follow the job to its counts; export with a
// filter, columns and format, and follow the job to its download link.
import { minapp } from './api.js';
import { h, badge, unix, table, field, errorBox, outcome, confirm, busy } from './ui.js';

const FINISHED = ['finish', 'failed'];

export async function render(view, { args: [tableId], page }) {
  const base = `/v1/table/${tableId}`;
  const exportBase = `/v1.5/table/${tableId}/export`;
  const def = await minapp('GET', `${base}/`);
  const exportsArea = h('div', { id: 'export-jobs' });
  const removeOutcome = outcome();
  const remove = h('button', { type: 'button', class: 'danger', id: 'delete-table', onclick: async () => {
    if (!(await confirm(`Delete table "${def.name}" and all its rows?`, 'Delete table'))) return;
    await busy(remove, async () => {
      try {
        await minapp('DELETE', `${base}/`);
        location.hash = '#/tables';
      } catch (e) {
        removeOutcome.error(e);
      }
    });
  } }, 'Delete table');

  view.replaceChildren(
    h('p', {}, h('a', { href: '#/tables' }, '← All tables')),
    h('div', { class: 'spread' }, h('h1', {}, `Table ${def.name}`), remove),
    removeOutcome.el,
    h('h2', {}, 'Schema'),
    table(['Field', 'Type'], def.schema.fields.map((f) => h('tr', {},
      h('td', {}, h('code', {}, f.name)), h('td', {}, f.items ? `${f.type} of ${f.items.type}` : f.type))), { id: 'schema-table' }),
    importForm(base, page),
    exportForm(exportBase, def, page, () => loadExports()),
    h('h2', {}, 'Recent exports'),
    exportsArea);
  await loadExports();

  async function loadExports() {
    try {
      const data = await minapp('GET', `${exportBase}/?limit=10`);
      exportsArea.replaceChildren(data.objects.length === 0 ? h('p', { class: 'muted' }, 'No exports yet.')
        : table(['Job', 'Status', 'Format', 'Rows', 'Created', 'File'], data.objects.map(exportRow), { id: 'exports-table' }));
    } catch (e) {
      exportsArea.replaceChildren(errorBox(e));
    }
  }
}

function exportRow(job) {
  return h('tr', { class: 'export-row', 'data-job-id': job.job_id },
    h('td', {}, h('code', {}, job.job_id)),
    h('td', {}, badge(job.status)),
    h('td', {}, job.file_type),
    h('td', { class: 'num' }, job.row_count ?? ''),
    h('td', {}, unix(job.created_at)),
    h('td', {}, job.download_url ? h('a', { href: job.download_url, class: 'download-link', rel: 'noreferrer' }, job.file_name)
      : (job.error || '')));
}

/** Polls a job until it is finished or failed, showing it in area as it goes. */
function follow(page, path, area, show) {
  const poll = async () => {
    const job = await minapp('GET', path);
    if (page.left) return false;
    area.replaceChildren(show(job));
    return !FINISHED.includes(job.status);
  };
  page.every(700, poll);
}

function importForm(base, page) {
  const result = outcome();
  const jobArea = h('div', { id: 'import-job', 'aria-live': 'polite' });
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.json,.jsonl', required: true });
  const useId = h('input', { type: 'checkbox', id: 'import-use-id' });
  const submit = h('button', { type: 'submit', id: 'import-submit' }, 'Import');
  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const body = new FormData();
    body.append('file', file.files[0]);
    if (useId.checked) body.append('use_id', 'true');
    await busy(submit, async () => {
      try {
        const answer = await minapp('POST', `${base}/import/`, body);
        result.notice(`Import job ${answer.job_id} started.`);
        form.reset();
        follow(page, `${base}/import/${answer.job_id}/`, jobArea, importJob);
      } catch (e) {
        result.error(e);
      }
    });
  } },
  h('h2', {}, 'Import a file'),
  h('div', { class: 'row' }, field('CSV or JSON file', file), h('label', { class: 'check', for: 'import-use-id' }, useId, 'Keep the file\'s id column'), submit),
  result.el, jobArea);
  return form;
}

function importJob(job) {
  return h('div', { class: 'card', 'data-status': job.status },
    h('p', {}, 'Import ', h('code', {}, job.job_id), ' of ', job.file_name || '', ': ', badge(job.status)),
    FINISHED.includes(job.status)
      ? h('p', { class: 'import-counts' }, `${job.inserted ?? 0} rows inserted, ${job.failed ?? 0} failed.`) : h('progress', { 'aria-label': 'Importing' }),
    job.error ? h('p', { class: 'error' }, job.error) : null,
    job.failures?.length ? table(['Line', 'Reason'], job.failures.map((f) => h('tr', {}, h('td', { class: 'num' }, String(f.line)), h('td', {}, f.reason)))) : null);
}

function exportForm(exportBase, def, page, exported) {
  const result = outcome();
  const jobArea = h('div', { id: 'export-job', 'aria-live': 'polite' });
  const format = h('select', { id: 'export-format' }, ['csv', 'json', 'xlsx'].map((f) => h('option', { value: f }, f)));
  const where = h('textarea', { id: 'export-where', rows: 2, placeholder: '{"price": {"$gt": 10}}' });
  const keys = h('input', { id: 'export-keys', placeholder: def.schema.fields.map((f) => f.name).slice(0, 3).join(',') });
  const order = h('input', { id: 'export-order', placeholder: '-created_at' });
  const submit = h('button', { type: 'submit', id: 'export-submit' }, 'Export');
  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const request = { file_type: format.value, mode: 'all' };
    if (where.value.trim()) {
      try {
        request.where = JSON.parse(where.value);
      } catch (e) {
        result.error(new Error(`Filter: not JSON (${e.message})`));
        return;
      }
      request.mode = 'part';
    }
    const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
    if (list(keys.value).length) request.include_keys = list(keys.value);
    if (list(order.value).length) request.order_by = list(order.value);
    await busy(submit, async () => {
      try {
        const answer = await minapp('POST', `${exportBase}/`, request);
        result.notice(`Export job ${answer.job_id} started.`);
        follow(page, `${exportBase}/${answer.job_id}/`, jobArea, (job) => {
          if (FINISHED.includes(job.status)) exported();
          return exportJob(job);
        });
      } catch (e) {
        result.error(e);
      }
    });
  } },
  h('h2', {}, 'Export'),
  h('div', { class: 'grid' }, field('Format', format), field('Columns (comma-separated; empty: all)', keys),
    field('Order by (comma-separated; - for descending)', order)),
  field('Filter (MinApp query, JSON; empty: every row)', where),
  h('p', {}, submit), result.el, jobArea);
  return form;
}

function exportJob(job) {
  return h('div', { class: 'card', 'data-status': job.status },
    h('p', {}, 'Export ', h('code', {}, job.job_id), ': ', badge(job.status),
      job.row_count != null ? ` ${job.row_count} rows` : ''),
    job.download_url ? h('p', {}, 'Download: ', h('a', { href: job.download_url, id: 'export-download', rel: 'noreferrer' }, job.file_name))
      : (FINISHED.includes(job.status) ? null : h('progress', { 'aria-label': 'Exporting' })),
    job.error ? h('p', { class: 'error' }, job.error) : null);
}
