/** One line of a diff: kept (' '), removed ('-') or added ('+'). */
export interface DiffLine {
  op: ' ' | '-' | '+'
  text: string
}

/** Beyond this many cells of the comparison table the changed middle is shown as replaced. */
const MAX_CELLS = 4_000_000

/**
 * A line diff of two texts (longest common subsequence), for the console's preview before a
 * save. Common leading and trailing lines are matched first; when the changed middle is too
 * large to compare (more than 4 million line pairs) it is shown as removed then added.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n')
  const b = after.split('\n')
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: ' ', text }))
  const midA = a.slice(start, endA)
  const midB = b.slice(start, endB)
  if (midA.length * midB.length > MAX_CELLS) {
    out.push(...midA.map((text) => ({ op: '-' as const, text })))
    out.push(...midB.map((text) => ({ op: '+' as const, text })))
  } else {
    out.push(...lcsDiff(midA, midB))
  }
  out.push(...a.slice(endA).map((text) => ({ op: ' ' as const, text })))
  return out
}

function lcsDiff(a: string[], b: string[]): DiffLine[] {
  const n = a.length
  const m = b.length
  // lengths[i][j]: the LCS of a[i..] and b[j..], in one flat array.
  const lengths = new Uint32Array((n + 1) * (m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j]!, lengths[i * (m + 1) + j + 1]!)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! })
      i++
      j++
    } else if (lengths[(i + 1) * (m + 1) + j]! >= lengths[i * (m + 1) + j + 1]!) {
      out.push({ op: '-', text: a[i++]! })
    } else {
      out.push({ op: '+', text: b[j++]! })
    }
  }
  while (i < n) out.push({ op: '-', text: a[i++]! })
  while (j < m) out.push({ op: '+', text: b[j++]! })
  return out
}
