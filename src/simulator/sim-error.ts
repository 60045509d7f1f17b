/**
 * An error a simulator handler throws to answer with `{ "status": "error", "message" }` and
 * an HTTP status (401 auth, 404 unknown, 405 method, 413 too large, 422 parameters, ...).
 */
export class SimError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number
  /** Extra response headers (e.g. `Allow` for 405). */
  readonly headers: Readonly<Record<string, string>>

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'SimError'
    this.status = status
    this.headers = headers
  }
}
