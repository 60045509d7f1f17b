/**
 * A set of token ids written as numbers and inclusive `"a-b"` ranges, stored as sorted,
 * disjoint intervals so membership is a binary search whatever the ranges' sizes.
 */
export class TokenIdSet {
  /** Sorted, disjoint, non-adjacent inclusive intervals. */
  readonly intervals: readonly (readonly [number, number])[]

  private constructor(intervals: readonly (readonly [number, number])[]) {
    this.intervals = intervals
  }

  /**
   * Builds a set from rules-file entries (`1`, `"3-5"`), already shape-checked. Returns the
   * set and the problems found: a reversed range is an error; an overlap, a warning.
   */
  static parse(entries: readonly (number | string)[]): {
    set: TokenIdSet
    errors: { index: number; message: string }[]
    warnings: { index: number; message: string }[]
  } {
    const errors: { index: number; message: string }[] = []
    const warnings: { index: number; message: string }[] = []
    const raw: { from: number; to: number; index: number }[] = []
    entries.forEach((entry, index) => {
      const [from, to] = typeof entry === 'number' ? [entry, entry] : parseRange(entry)
      // Not a number or range at all ("#1"): the shape check reports it; "beyond" would mislead.
      if (Number.isNaN(from) || Number.isNaN(to)) return
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
        errors.push({
          index,
          message: `token ids go up to ${Number.MAX_SAFE_INTEGER}; "${String(entry)}" is beyond`,
        })
        return
      }
      if (from > to) {
        errors.push({
          index,
          message: `the range "${String(entry)}" is reversed; write "${to}-${from}"`,
        })
        return
      }
      raw.push({ from, to, index })
    })
    raw.sort((a, b) => a.from - b.from || a.to - b.to)
    const merged: [number, number][] = []
    let previous: { from: number; to: number; index: number } | undefined
    for (const r of raw) {
      const last = merged[merged.length - 1]
      if (last && previous && r.from <= last[1]) {
        warnings.push({
          index: r.index,
          message: `${r.from === r.to ? `token id ${r.from} overlaps` : `token ids ${describe(r)} overlap`} ${describe(previous)} listed earlier`,
        })
      }
      if (last && r.from <= last[1] + 1) last[1] = Math.max(last[1], r.to)
      else merged.push([r.from, r.to])
      previous = r
    }
    return { set: new TokenIdSet(merged), errors, warnings }
  }

  /** A set of exactly these ids. */
  static of(ids: readonly number[]): TokenIdSet {
    return TokenIdSet.parse(ids).set
  }

  /** True when `id` is in the set. O(log n) in the number of intervals. */
  has(id: number): boolean {
    if (!Number.isSafeInteger(id)) return false
    let lo = 0
    let hi = this.intervals.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const [from, to] = this.intervals[mid]!
      if (id < from) hi = mid - 1
      else if (id > to) lo = mid + 1
      else return true
    }
    return false
  }

  /** The set as rules-file entries, e.g. `[1, "3-5"]`. */
  toJSON(): (number | string)[] {
    return this.intervals.map(([from, to]) => (from === to ? from : `${from}-${to}`))
  }

  /** The set as text, e.g. `1, 3-5`. */
  toString(): string {
    return this.toJSON().join(', ')
  }
}

function parseRange(entry: string): [number, number] {
  const dash = entry.indexOf('-')
  if (dash === -1) return [Number(entry), Number(entry)]
  return [Number(entry.slice(0, dash)), Number(entry.slice(dash + 1))]
}

function describe(r: { from: number; to: number }): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`
}
