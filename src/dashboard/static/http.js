// @ts-check
/** The page's one way to call the JSON API: an answer, or an ApiError with the server's own message. */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {boolean} busy a writer holds the warehouse (503): the page retries by itself
   */
  constructor(status, message, busy) {
    super(message);
    this.status = status;
    this.busy = busy;
  }
}

/**
 * @template T the route's answer (see the *Answer types in ../api.ts)
 * @param {string} path
 * @returns {Promise<T>}
 */
export async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  /** @type {unknown} */
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status, `${path}: the server answered ${res.status} without JSON`, false);
  }
  if (!res.ok) {
    const said = body && typeof body === 'object' && 'error' in body && typeof body.error === 'string' ? body.error : '';
    throw new ApiError(res.status, said || `${path}: HTTP ${res.status}`, res.status === 503);
  }
  return /** @type {T} */ (body);
}
