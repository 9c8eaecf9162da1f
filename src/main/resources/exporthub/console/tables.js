// Tables (the MinApp table API): the list, and a new table with its fields.
import { minapp } from './api.js';
import { h, unix, table, field, outcome, busy } from './ui.js';

const TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'array', 'object', 'geojson', 'file', 'reference'];

export async function render(view) {
  const listArea = h('div', { id: 'table-list' });
  view.replaceChildren(h('h1', {}, 'Tables'), listArea, createForm(load));
  await load();

  async function load() {
    const data = await minapp('GET', '/v1/table/?limit=1000');
    listArea.replaceChildren(data.objects.length === 0 ? h('p', { class: 'muted' }, 'No tables yet.')
      : table(['Id', 'Name', 'Fields', 'Created', 'Updated'], data.objects.map((t) => h('tr', { class: 'table-row', 'data-name': t.name },
        h('td', {}, String(t.id)),
        h('td', {}, h('a', { href: `#/tables/${t.id}` }, t.name)),
        h('td', {}, t.schema.fields.map((f) => f.name).join(', ')),
        h('td', {}, unix(t.created_at)), h('td', {}, unix(t.updated_at)))), { id: 'tables-table' }));
  }
}

function createForm(created) {
  const result = outcome();
  const name = h('input', { id: 'table-name', required: true, autocomplete: 'off' });
  const fields = h('textarea', { id: 'table-fields', required: true, rows: 4, placeholder: 'title string\nprice number\ntags array string' });
  const submit = h('button', { type: 'submit' }, 'Create table');
  const form = h('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const schema = { fields: fields.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const [fieldName, type, items] = line.split(/\s+/);
      return items ? { name: fieldName, type, items: { type: items } } : { name: fieldName, type };
    }) };
    await busy(submit, async () => {
      try {
        const answer = await minapp('POST', '/v1/table/', { name: name.value.trim(), schema });
        result.notice(`Table "${answer.name}" created (id ${answer.id}).`);
        form.reset();
        await created();
      } catch (e) {
        result.error(e);
      }
    });
  } },
  h('h2', {}, 'New table'),
  h('div', { class: 'grid' }, field('Name', name),
    field('Fields', fields, `One a line: name and type (${TYPES.join(', ')}); an array also its items' type.`)),
  submit, result.el);
  return form;
}
