// The REST API (docs/api.md) from the room page, with the session cookie and the CSRF header.

/** A refusal from the API, with its code and the sentence for people. */
export class ApiError extends Error {
  /** @param {string} message @param {{status: number, code: string}} options */
  constructor(message, { status, code }) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Call the API; resolve with the JSON answer (null for 204), or reject with an ApiError.
 * @param {string} method @param {string} url @param {string} csrfToken @param {object} [body]
 */
export async function callApi(method, url, csrfToken, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("The server could not be reached.", { status: 0, code: "unreachable" });
  }
  if (response.status === 204) return null;
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    throw new ApiError(answer.detail || `The server answered ${response.status}.`, { status: response.status, code: answer.code || "" });
  }
  return answer;
}
