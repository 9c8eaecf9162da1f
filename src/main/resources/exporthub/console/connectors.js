// Connectors: the list (secrets are never answered), a form per kind built from the service's own
// catalogue of settings (secrets write-only: password fields, cleared after sending), delete.
import { moi } from './api.js';
import { h, time, table, field, errorBox, outcome, confirm, busy } from './ui.js';

export async function render(view) {
  const [catalogue, list] = await Promise.all([moi('/connector/kinds', {}, { method: 'GET' }), moi('/connector/list')]);
  const listArea = h('div', { id: 'connector-list' });
  const listOutcome = outcome();
  view.replaceChildren(h('h1', {}, 'Connectors'), listOutcome.el, listArea, createForm(catalogue.kinds, refresh));
  showList(list);

  async function refresh() {
    try {
      showList(await moi('/connector/list'));
    } catch (e) {
      listOutcome.error(e);
    }
  }

  function showList(data) {
    if (data.connectors.length === 0) {
      listArea.replaceChildren(h('p', { class: 'muted' }, 'No connectors yet.'));
      return;
    }
    listArea.replaceChildren(table(['Id', 'Name', 'Kind', 'Settings (secrets are never shown)', 'Created', ''],
      data.connectors.map((c) => {
        const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete connector ${c.name}`, onclick: async () => {
          if (!(await confirm(`Delete connector "${c.name}"?`, 'Delete connector'))) return;
          await busy(remove, async () => {
            try {
              await moi('/connector/delete', { id: c.id });
              listOutcome.notice(`Connector "${c.name}" deleted.`);
              await refresh();
            } catch (e) {
              listOutcome.error(e);
            }
          });
        } }, 'Delete');
        return h('tr', { class: 'connector-row', 'data-name': c.name },
          h('td', {}, String(c.id)), h('td', {}, c.name), h('td', {}, c.kind),
          h('td', {}, h('code', {}, Object.entries(c.config).map(([k, v]) => `${k}=${v}`).join('  '))),
          h('td', {}, time(c.create_time)), h('td', {}, remove));
      }), { id: 'connectors-table' }));
  }
}

function createForm(kinds, created) {
  const result = outcome();
  const name = h('input', { id: 'connector-name', name: 'name', required: true, autocomplete: 'off' });
  const kind = h('select', { id: 'connector-kind', name: 'kind' }, kinds.map((k) => h('option', { value: k.kind }, k.kind)));
  const settings = h('div', { class: 'grid', id: 'connector-settings' });
  const submit = h('button', { type: 'submit' }, 'Create connector');

  const showSettings = () => {
    const chosen = kinds.find((k) => k.kind === kind.value);
    settings.replaceChildren(...chosen.settings.map(settingField));
  };
  kind.addEventListener('change', showSettings);
  showSettings();

  const form = h('form', { class: 'card', id: 'connector-form', onsubmit: async (event) => {
    event.preventDefault();
    const config = {};
    for (const input of settings.querySelectorAll('[data-setting]')) {
      if (input.value !== '') config[input.dataset.setting] = input.value;
    }
    await busy(submit, async () => {
      try {
        const answer = await moi('/connector/create', { name: name.value.trim(), kind: kind.value, config });
        result.notice(`Connector "${name.value.trim()}" created (id ${answer.id}).`);
        form.reset();
        showSettings();
        await created();
      } catch (e) {
        result.error(e);
      }
    });
  } },
  h('h2', {}, 'New connector'),
  h('div', { class: 'grid' }, field('Name', name), field('Kind', kind)),
  settings, submit, result.el);
  return form;
}

/** A setting's input: true/false settings as a choice, secrets as password fields never filled back. */
function settingField(setting) {
  const id = `setting-${setting.name}`;
  let input;
  if (setting.default === 'true' || setting.default === 'false') {
    input = h('select', { id, 'data-setting': setting.name },
      h('option', { value: '' }, `default (${setting.default})`), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
  } else {
    input = h('input', { id, 'data-setting': setting.name, type: setting.secret ? 'password' : 'text',
      autocomplete: setting.secret ? 'new-password' : 'off', placeholder: setting.default ?? '', required: setting.required && !setting.secret });
  }
  const label = setting.name + (setting.required ? ' *' : '') + (setting.secret ? ' (secret, write-only)' : '');
  return field(label, input, setting.description);
}
