import type { Params } from './params.js'

/** Default `per_page` of every paginated list. */
export const DEFAULT_PER_PAGE = 20
/** Largest `per_page`; larger values are capped to it. */
export const MAX_PER_PAGE = 100

/** The effective page request. */
export interface PageRequest {
  page: number
  perPage: number
}

/**
 * Reads `page` (an integer >= 1, anything else is 1) and `per_page` (an integer 1..100;
 * above 100 is capped at 100; anything else is 20).
 */
export function readPage(params: Params): PageRequest {
  const page = integer(params.get('page'))
  const perPage = integer(params.get('per_page'))
  return {
    page: page !== undefined && page >= 1 ? page : 1,
    perPage:
      perPage === undefined || perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE),
  }
}

/**
 * One page of `items` and the upstream's pagination fields: `total` counts every item,
 * `has_more_page` is page * per_page < total.
 */
export function paginate<T>(items: readonly T[], request: PageRequest) {
  const start = (request.page - 1) * request.perPage
  return {
    items: items.slice(start, start + request.perPage),
    pageInfo: {
      current_page: request.page,
      per_page: request.perPage,
      total: items.length,
      has_more_page: request.page * request.perPage < items.length,
    },
  }
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\+?\d+$/.test(value.trim())) return undefined
  const n = Number(value.trim())
  // Huge page numbers are capped so arithmetic stays exact; per_page is capped anyway.
  return Math.min(n, Number.MAX_SAFE_INTEGER)
}
