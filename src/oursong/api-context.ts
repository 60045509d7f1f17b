import type { Transport } from './transport.js'

/** What every group of client methods shares. */
export interface ApiContext {
  transport: Transport
  baseUrl: string
  apiKey: string
  apiSecret: string
  uploadTimeoutMs: number
}

/** Options every client method takes. */
export interface CallOptions {
  /** Cancels the call (e.g. the caller's own deadline); it then fails with `oursong_timeout`. */
  signal?: AbortSignal
}

/** Options of the paginated endpoints. */
export interface PageOptions extends CallOptions {
  /** 1-based page number. Default 1. */
  page?: number
  /** Items per page, 1 to 100 (the upstream's maximum). Default 20, the upstream's. */
  perPage?: number
}

/** The query parameters of a paginated call; a bad value is a `TypeError` naming it. */
export function pageQuery(options: PageOptions): { page?: number; per_page?: number } {
  const { page, perPage } = options
  if (page !== undefined && (!Number.isSafeInteger(page) || page < 1)) {
    throw new TypeError(`page must be an integer >= 1, got ${String(page)}`)
  }
  if (perPage !== undefined && (!Number.isInteger(perPage) || perPage < 1 || perPage > 100)) {
    throw new TypeError(`perPage must be an integer from 1 to 100, got ${String(perPage)}`)
  }
  return { page, per_page: perPage }
}

/**
 * One path segment (a user or vibe id), percent-encoded. Empty, `.` and `..` are refused
 * with a `TypeError`: they would change which upstream path is called.
 */
export function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
    throw new TypeError(`${name} must be a non-empty id, got ${JSON.stringify(value)}`)
  }
  return encodeURIComponent(value)
}

/** A required non-empty string argument; otherwise a `TypeError` naming it. */
export function required(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string`)
  }
  return value
}
