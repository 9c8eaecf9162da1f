// Schedules: each cron trigger, when it fires next, when it last fired and its recent runs.
import { moi } from './api.js';
import { h, time, table } from './ui.js';

export async function render(view) {
  const data = await moi('/schedule/list', {}, { method: 'GET' });
  view.replaceChildren(h('h1', {}, 'Schedules'), h('div', {},
    data.schedules.length === 0
      ? h('p', { class: 'muted' }, 'No schedules are configured (exporthub.schedule.<name>.cron and .task-template), '
        + 'or they belong to another workspace.')
      : data.schedules.map((s) => h('section', { class: 'card schedule', 'data-name': s.name },
        h('h2', {}, s.name),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Cron'), h('dd', {}, h('code', {}, s.cron)),
          h('dt', {}, 'Task template'), h('dd', {}, h('code', {}, s.task_template)),
          h('dt', {}, 'Next fire'), h('dd', {}, time(s.next_fire_time)),
          h('dt', {}, 'Last fire'), h('dd', {}, time(s.last_fire_time)),
          h('dt', {}, 'Runs'), h('dd', {}, String(s.run_count ?? s.runs.length))),
        s.runs.length ? table(['Fired', 'Task', 'Outcome'], s.runs.map((run) => h('tr', {},
          h('td', {}, time(run.fire_time)),
          h('td', {}, run.task_id ? h('a', { href: `#/tasks/${encodeURIComponent(run.task_id)}` }, run.task_id) : ''),
          h('td', {}, run.outcome)))) : h('p', { class: 'muted' }, 'Not fired yet.')))));
}
