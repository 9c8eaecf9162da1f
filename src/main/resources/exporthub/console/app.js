// The console's shell: the key prompt, the navigation and a hash router (#/tasks, #/tasks/<id>, ...).
import { apiKey, moi } from './api.js';
import { errorBox } from './ui.js';
import * as tasks from './tasks.js';
import * as task from './task.js';
import * as connectors from './connectors.js';
import * as tables from './tables.js';
import * as tablePage from './table.js';
import * as schedules from './schedules.js';
import * as health from './health.js';

const routes = [
  [/^\/tasks$/, tasks, 'tasks'],
  [/^\/tasks\/([^/]+)$/, task, 'tasks'],
  [/^\/connectors$/, connectors, 'connectors'],
  [/^\/tables$/, tables, 'tables'],
  [/^\/tables\/(\d+)$/, tablePage, 'tables'],
  [/^\/schedules$/, schedules, 'schedules'],
  [/^\/health$/, health, 'health'],
];

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const login = document.getElementById('login');
const loginError = document.getElementById('login-error');
const forget = document.getElementById('forget-key');
let current = null;

/** What a page may use: timers that stop when the user leaves the page, and whether it is still shown. */
class Page {
  constructor() {
    this.timers = [];
    this.left = false;
  }

  /** Calls fn every ms until the page is left or fn answers false; one call at a time. */
  every(ms, fn) {
    const tick = async () => {
      if (this.left) return;
      let again = true;
      try {
        again = (await fn()) !== false;
      } catch (e) {
        again = true;
      }
      if (again && !this.left) this.timers.push(setTimeout(tick, ms));
    };
    this.timers.push(setTimeout(tick, ms));
  }

  leave() {
    this.left = true;
    this.timers.forEach(clearTimeout);
  }
}

function parse() {
  const hash = location.hash.replace(/^#/, '') || '/tasks';
  const [path, query = ''] = hash.split('?');
  return { path, query: new URLSearchParams(query) };
}

async function render() {
  if (!apiKey.get()) {
    showLogin();
    return;
  }
  showApp();
  current?.leave();
  const page = new Page();
  current = page;
  const { path, query } = parse();
  const match = routes.find(([pattern]) => pattern.test(path));
  if (!match) {
    location.hash = '#/tasks';
    return;
  }
  const [pattern, module, section] = match;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const args = path.match(pattern).slice(1).map(decodeURIComponent);
  view.replaceChildren();
  try {
    await module.render(view, { args, query, page });
  } catch (e) {
    if (!page.left) view.replaceChildren(errorBox(e));
  }
}

function showLogin(message) {
  current?.leave();
  view.replaceChildren();
  nav.hidden = true;
  forget.hidden = true;
  login.hidden = false;
  loginError.hidden = !message;
  loginError.textContent = message || '';
  document.getElementById('key-input').focus();
}

function showApp() {
  login.hidden = true;
  nav.hidden = false;
  forget.hidden = false;
}

document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('key-input');
  const button = event.target.querySelector('button');
  const key = input.value.trim();
  button.disabled = true;
  try {
    // the key is kept only once the service has taken it
    await moi('/connector/list', {}, { key });
    apiKey.set(key);
    input.value = '';
    loginError.hidden = true;
    render();
  } catch (e) {
    loginError.textContent = e.message;
    loginError.hidden = false;
  } finally {
    button.disabled = false;
  }
});

forget.addEventListener('click', () => {
  apiKey.clear();
  showLogin();
});

apiKey.onRefused((message) => {
  apiKey.clear();
  showLogin(message);
});

// a new page takes the focus, so that keyboard and screen-reader users start at its top
window.addEventListener('hashchange', () => render().then(() => {
  if (!login.hidden || view.contains(document.activeElement)) return;
  view.focus({ preventScroll: true });
}));
render();
