import { OurSongError } from './oursong-error.js'
import type { PageInfo } from './schemas.js'

/** Options of {@link paginate}. */
export interface PaginateOptions {
  /** Hard cap on pages fetched; more pages fail with `oursong_bad_response`. Default 50. */
  maxPages?: number
}

/**
 * Iterates every item of a paginated OurSong list, fetching pages one at a time as the
 * loop asks for them, and stopping at `has_more_page: false` or an empty page.
 *
 * ```ts
 * for await (const vibe of paginate((page) => client.createdVibeList('queen', { page, perPage: 100 }), (r) => r.list)) { ... }
 * ```
 *
 * A page that does not answer the page asked for, or more than `maxPages` pages, fails
 * with `oursong_bad_response` rather than looping or silently truncating.
 */
export async function* paginate<P extends PageInfo, T>(
  fetchPage: (page: number) => Promise<P>,
  items: (page: P) => readonly T[],
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  const maxPages = options.maxPages ?? 50
  if (!Number.isInteger(maxPages) || maxPages < 1) {
    throw new TypeError(`maxPages must be a positive integer, got ${String(maxPages)}`)
  }
  for (let page = 1; ; page++) {
    const response = await fetchPage(page)
    if (response.current_page !== page) {
      throw new OurSongError('oursong_bad_response', 'pagination', {
        detail: `asked for page ${page}, got current_page ${response.current_page}`,
      })
    }
    const list = items(response)
    yield* list
    if (!response.has_more_page || list.length === 0) return
    if (page >= maxPages) {
      throw new OurSongError('oursong_bad_response', 'pagination', {
        detail: `more than ${maxPages} pages (total ${response.total}); raise maxPages or use a larger perPage`,
      })
    }
  }
}
