// Small DOM helpers. Every value from the API goes in as text (textContent), never as markup.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'text') el.textContent = value;
    else if (name === 'class') el.className = value;
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const TASK_STATUS = { 1: 'running', 2: 'completed', 3: 'failed' };
export const FILE_STATUS = { 0: 'pending', 1: 'running', 2: 'completed', 3: 'failed' };
export const TARGETS = { 1: 'Dify', 2: 'S3', 3: 'MatrixOne', 4: 'OSS', 5: 'S3', 6: 'Dify', 100: 'local directory' };

export function badge(word) {
  return h('span', { class: `badge ${word}` }, word);
}

const pad = (n) => String(n).padStart(2, '0');
function local(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** An ISO-8601 time (MOI API) in the browser's time zone, with the exact value as a tooltip. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso, class: 'nowrap' }, local(new Date(iso)));
}

/** Unix seconds (MinApp API). */
export function unix(seconds) {
  return seconds ? time(new Date(seconds * 1000).toISOString()) : time(null);
}

/** Finished files out of all, as a bar and in words. */
export function progress(state) {
  const done = (state.completed || 0) + (state.failed || 0);
  const words = `${done}/${state.total} done` + (state.failed ? `, ${state.failed} failed` : '');
  return h('div', { class: 'progress' },
    h('progress', { max: Math.max(state.total, 1), value: done, class: state.failed ? 'has-failures' : null, 'aria-label': words }),
    h('span', { class: 'progress-text' }, words));
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message || String(error));
}

/** An area that shows the outcome of an action: an error as the API words it, or a notice. */
export function outcome() {
  const el = h('div', { 'aria-live': 'polite' });
  return {
    el,
    error(error) { el.replaceChildren(errorBox(error)); },
    notice(text) { el.replaceChildren(h('p', { class: 'notice', role: 'status' }, text)); },
    clear() { el.replaceChildren(); },
  };
}

export function table(headers, rows, props = {}) {
  return h('table', props,
    h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows));
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('small', {}, hint) : null);
}

/** Asks before a destructive action, in a modal dialog (focus moves into it, Escape cancels). */
export function confirm(question, action) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-label': question },
      h('form', { method: 'dialog' },
        h('p', {}, question),
        h('div', { class: 'row' },
          h('button', { type: 'submit', value: 'yes', class: 'danger' }, action),
          h('button', { type: 'submit', value: 'no', class: 'secondary', autofocus: true }, 'Cancel'))));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'yes');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Runs an action once per click: the button stays disabled until the API has answered. */
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } finally {
    button.disabled = false;
  }
}
