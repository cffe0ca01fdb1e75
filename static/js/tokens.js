// Room tokens from the API (docs/api.md), asked for with the session cookie.

/** A failure to get a room token; `retry` says whether trying again later may help. */
export class TokenRequestError extends Error {
  /** @param {string} message @param {{status: number, retry: boolean}} options */
  constructor(message, { status, retry }) {
    super(message);
    this.status = status;
    this.retry = retry;
  }
}

/**
 * Ask the API for a room token with the session cookie.
 * @param {string} url @param {string} csrfToken
 * @param {{name?: string}} [options]  a display name for this meeting only (empty: the account's own)
 * @returns {Promise<{token: string, expires_at: string, websocket_url: string, room: {slug: string, name: string}}>}
 */
export async function requestToken(url, csrfToken, { name = "" } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(name ? { name } : {}),
    });
  } catch {
    throw new TokenRequestError("The server could not be reached.", { status: 0, retry: true });
  }
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's error page): fall back to the status below
  }
  if (response.ok) return body;
  const detail = body.detail || `The server answered ${response.status} ${response.statusText}.`;
  const retry = response.status === 429 || response.status >= 500;
  throw new TokenRequestError(detail, { status: response.status, retry });
}
