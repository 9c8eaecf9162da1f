// The console's only way to the service: the public HTTP API, with the key in the moi-key header.
// The key lives in this tab's sessionStorage; it never goes into a URL, a cookie or the page.

const KEY = 'exporthub.key';
export const MOI = '/byoa/api/v1';
export const MINAPP = '/userve';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let unauthorized = () => {};

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
  /** Called when the service refuses the stored key (401), with the service's words. */
  onRefused: (handler) => { unauthorized = handler; },
};

async function send(url, init, key) {
  const headers = new Headers(init.headers || {});
  if (key) headers.set('moi-key', key);
  let response;
  try {
    response = await fetch(url, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `The service did not answer (${e.message}).`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { response, body, text };
}

/** The error as the API words it: msg of a MOI envelope, error_msg of a MinApp body. */
function failure(response, body, text) {
  const message = body?.msg ?? body?.error_msg ?? (text.trim() || `HTTP ${response.status} ${response.statusText}`);
  return new ApiError(response.status, message);
}

/** A MOI API call (POST with a JSON body unless told otherwise); answers the envelope's data. */
export async function moi(path, body = {}, { method = 'POST', key = apiKey.get() } = {}) {
  const init = method === 'GET' ? { method } : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const { response, body: answer, text } = await send(MOI + path, init, key);
  if (!response.ok || answer?.code !== 'ok') {
    const error = failure(response, answer, text);
    if (response.status === 401 && key === apiKey.get()) unauthorized(error.message);
    throw error;
  }
  return answer.data;
}

/** A MinApp API call; a FormData body goes as multipart, anything else as JSON. */
export async function minapp(method, path, body) {
  const init = { method };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const key = apiKey.get();
  const { response, body: answer, text } = await send(MINAPP + path, init, key);
  if (!response.ok) {
    const error = failure(response, answer, text);
    if (response.status === 401) unauthorized(error.message);
    throw error;
  }
  return answer;
}

/** The operating endpoints (/observe/...), which take no key: status, JSON (or null) and text. */
export async function observe(path) {
  const { response, body, text } = await send(path, { method: 'GET' }, null);
  return { status: response.status, body, text };
}
