// One task: what it is, its config (the API leaves secrets out), its files with what happened to
// each; rerun failed files (all or the selected ones); delete after a confirmation.
import { moi } from './api.js';
import { h, badge, time, progress, table, errorBox, outcome, confirm, busy, TASK_STATUS, FILE_STATUS, TARGETS } from './ui.js';

const FILES_PAGE = 100;

export async function render(view, { args: [taskId], query, page }) {
  const failedOnly = query.get('failed') === '1';
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  const path = `/export/task/${encodeURIComponent(taskId)}`;
  const result = outcome();
  const head = h('div', {});
  const files = h('div', { id: 'files' });
  const selected = new Set();

  const rerunAll = h('button', { type: 'button', id: 'rerun-failed', onclick: () => rerun([]) }, 'Rerun all failed files');
  const rerunSelected = h('button', { type: 'button', id: 'rerun-selected', class: 'secondary', disabled: true,
    onclick: () => rerun([...selected]) }, 'Rerun selected');
  const remove = h('button', { type: 'button', id: 'delete-task', class: 'danger', onclick: async () => {
    if (!(await confirm(`Delete this task and the record of its files? A running task is cancelled first.`, 'Delete task'))) return;
    await busy(remove, async () => {
      try {
        await moi('/export/task/delete', { id: taskId });
        location.hash = '#/tasks';
      } catch (e) {
        result.error(e);
      }
    });
  } }, 'Delete task');
  const onlyFailed = h('input', { type: 'checkbox', id: 'failed-only', checked: failedOnly, onchange: () => {
    const next = new URLSearchParams();
    if (onlyFailed.checked) next.set('failed', '1');
    location.hash = `#/tasks/${encodeURIComponent(taskId)}${next.size ? `?${next}` : ''}`;
  } });

  view.replaceChildren(
    h('p', {}, h('a', { href: '#/tasks' }, '← All tasks')),
    head,
    h('div', { class: 'row' }, rerunAll, rerunSelected, remove),
    result.el,
    h('div', { class: 'spread' }, h('h2', {}, 'Files'), h('label', { class: 'check', for: 'failed-only' }, onlyFailed, 'Failed files only')),
    files);

  async function rerun(fileIds) {
    const button = fileIds.length ? rerunSelected : rerunAll;
    await busy(button, async () => {
      try {
        await moi(`${path}/rerun`, fileIds.length ? { files: fileIds } : {});
        result.notice(fileIds.length ? `${fileIds.length} file(s) queued again.` : 'The failed files are queued again.');
        selected.clear();
        await load();
        page.every(1500, load);
      } catch (e) {
        result.error(e);
      }
    });
  }

  async function load() {
    const request = { task_id: taskId, offset, limit: FILES_PAGE, order_by: 'created_at', order_direction: 'asc' };
    if (failedOnly) request.statuses = [3];
    const [info, list] = await Promise.all([moi('/export/task/info', { id: taskId }), moi('/export/task/files', request)]);
    if (page.left) return false;
    head.replaceChildren(summary(info));
    rerunAll.disabled = !info.file_stats.failed;
    files.replaceChildren(fileTable(list));
    rerunSelected.disabled = selected.size === 0;
    return info.status === 1;
  }

  function fileTable(list) {
    if (list.files.length === 0) return h('p', { class: 'muted' }, failedOnly ? 'No failed files.' : 'No files.');
    const rows = list.files.map((f) => {
      const box = f.status === 3
        ? h('input', { type: 'checkbox', 'aria-label': `Select ${f.file_name} for rerun`, checked: selected.has(f.id), onchange: (e) => {
          if (e.target.checked) selected.add(f.id);
          else selected.delete(f.id);
          rerunSelected.disabled = selected.size === 0;
        } })
        : null;
      return h('tr', { class: 'file-row', 'data-file-id': f.id, 'data-status': FILE_STATUS[f.status] },
        h('td', {}, box),
        h('td', {}, f.file_name),
        h('td', {}, h('code', {}, f.full_path.join('/'))),
        h('td', {}, f.is_raw ? 'raw' : 'parsed'),
        h('td', {}, badge(FILE_STATUS[f.status])),
        h('td', { class: 'details' }, f.details || ''),
        h('td', {}, time(f.start_time)),
        h('td', {}, time(f.end_time)));
    });
    const shown = `${offset + 1}–${offset + list.files.length} of ${list.total}`;
    const move = (to) => `#/tasks/${encodeURIComponent(taskId)}?${new URLSearchParams({ ...(failedOnly ? { failed: '1' } : {}), offset: String(to) })}`;
    return h('div', {},
      table(['', 'File', 'Path', 'Sent as', 'Status', 'Details', 'Started', 'Ended'], rows, { id: 'files-table' }),
      h('nav', { class: 'pager', 'aria-label': 'Pages of files' },
        offset > 0 ? h('a', { class: 'button', href: move(Math.max(0, offset - FILES_PAGE)) }, 'Previous') : null,
        h('span', {}, shown),
        offset + list.files.length < list.total ? h('a', { class: 'button', href: move(offset + FILES_PAGE) }, 'Next') : null));
  }

  try {
    if (await load()) page.every(1500, load);
  } catch (e) {
    view.replaceChildren(h('p', {}, h('a', { href: '#/tasks' }, '← All tasks')), errorBox(e));
  }
}

function summary(info) {
  const status = TASK_STATUS[info.status] || String(info.status);
  return h('div', {},
    h('div', { class: 'spread' }, h('h1', {}, info.name || info.id), h('span', { id: 'task-status' }, badge(status))),
    h('div', { class: 'card' },
      h('dl', { class: 'facts' },
        h('dt', {}, 'Id'), h('dd', {}, h('code', {}, info.id)),
        h('dt', {}, 'Progress'), h('dd', {}, progress(info.file_stats)),
        h('dt', {}, 'Files'), h('dd', { id: 'file-stats' },
          `${info.file_stats.completed} completed, ${info.file_stats.failed} failed, ${info.file_stats.running} running, ${info.file_stats.pending} pending`),
        h('dt', {}, 'Target'), h('dd', {}, TARGETS[info.type] || String(info.type)),
        h('dt', {}, 'Connector'), h('dd', {}, `${info.connector_name || ''}${info.connector_id != null ? ` (id ${info.connector_id})` : ''}`),
        h('dt', {}, 'Creator'), h('dd', {}, info.creator || ''),
        h('dt', {}, 'Created'), h('dd', {}, time(info.create_time)),
        h('dt', {}, 'Ended'), h('dd', {}, time(info.end_time))),
      h('details', {}, h('summary', {}, 'Configuration'), h('pre', { id: 'task-config' }, JSON.stringify(info.config, null, 2)))));
}
