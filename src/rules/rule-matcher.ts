import { createHostIndex, type HostIndexBuilder } from './host-index.js'
import type { HostPattern } from './host-pattern.js'
import type { PathPattern, PatternSegment } from './path-pattern.js'

/** What the matcher needs of a rule: its position (first match wins) and its filters. */
export interface MatchableRule {
  /** Position in the file; lower wins. */
  index: number
  patterns: readonly PathPattern[]
  /** Upper-case methods; undefined = every method. */
  methods: ReadonlySet<string> | undefined
  /** Host patterns; undefined = every host. */
  hosts: readonly HostPattern[] | undefined
}

/** A request as the matcher sees it: canonical path segments plus method and host. */
export interface MatchRequest {
  segments: readonly string[]
  /** Upper-case method; HEAD is looked up as GET by the caller. */
  method: string
  /** Normalized host, or undefined when the request named none. */
  host: string | undefined
}

interface TrieNode<R> {
  id: number
  /** Created on the first literal child: most nodes (a pattern's last segment) have none. */
  literal: Map<string, TrieNode<R>> | undefined
  star: TrieNode<R> | undefined
  globstar: TrieNode<R> | undefined
  /** Rules whose pattern ends here, indexed by host. */
  terminal: HostIndexBuilder<R> | undefined
  /** The lowest rule index anywhere below (or at) this node, for pruning. */
  minIndex: number
}

/**
 * Compiles rules into a segment trie, built once per load. A lookup walks only the
 * branches the path can take (literal child, `*`, `**`), so its cost depends on the path
 * and the patterns that share its prefix, not on the number of rules. Among the rules
 * whose path matches, the lowest index that also accepts the method and host wins.
 */
export function compileMatcher<R extends MatchableRule>(rules: readonly R[]): RuleMatcher<R> {
  const builder = createMatcherBuilder<R>()
  for (const rule of [...rules].sort((a, b) => a.index - b.index)) builder.add(rule)
  return builder.build()
}

/** Builds a {@link RuleMatcher} one rule at a time, so the work can be spread out. */
export interface MatcherBuilder<R> {
  /** Adds a rule; rules must come in ascending index order. Cost: one trie walk per pattern. */
  add(rule: R): void
  /** The matcher of the rules added so far; O(1). Adding afterwards is an error. */
  build(): RuleMatcher<R>
}

/**
 * A {@link MatcherBuilder}: the incremental form of {@link compileMatcher}, used to compile a
 * large rules file on the main thread in slices between which requests are answered.
 */
export function createMatcherBuilder<R extends MatchableRule>(): MatcherBuilder<R> {
  let ids = 0
  let built = false
  const node = (): TrieNode<R> => ({
    id: ids++,
    literal: undefined,
    star: undefined,
    globstar: undefined,
    terminal: undefined,
    minIndex: Infinity,
  })
  const root = node()
  const add = (rule: R): void => {
    if (built) throw new Error('createMatcherBuilder: add() after build()')
    for (const pattern of rule.patterns) {
      let at = root
      at.minIndex = Math.min(at.minIndex, rule.index)
      for (const seg of pattern.segments) {
        if (seg.kind === 'literal') {
          at.literal ??= new Map()
          let next = at.literal.get(seg.value)
          if (!next) at.literal.set(seg.value, (next = node()))
          at = next
        } else if (seg.kind === 'star') at = at.star ??= node()
        else at = at.globstar ??= node()
        at.minIndex = Math.min(at.minIndex, rule.index)
      }
      at.terminal ??= createHostIndex<R>()
      at.terminal.add(rule)
    }
  }
  return {
    add,
    build() {
      built = true
      return matcherOf(root, ids)
    },
  }
}

function matcherOf<R extends MatchableRule>(root: TrieNode<R>, width: number): RuleMatcher<R> {
  const match = (request: MatchRequest): R | undefined => {
    const path = request.segments
    let best: R | undefined
    // (node, position) pairs already explored below a `**`: keeps backtracking polynomial.
    let seen: Set<number> | undefined
    const visit = (n: TrieNode<R>, j: number): void => {
      if (best && n.minIndex >= best.index) return
      if (seen) {
        const key = j * width + n.id
        if (seen.has(key)) return
        seen.add(key)
      }
      if (j === path.length) {
        const found = n.terminal?.first(request.method, request.host, best?.index ?? Infinity)
        if (found) best = found
      } else {
        const child = n.literal?.get(path[j]!)
        if (child) visit(child, j + 1)
        if (n.star) visit(n.star, j + 1)
      }
      if (n.globstar) {
        seen ??= new Set()
        for (let k = j; k <= path.length; k++) visit(n.globstar, k)
      }
    }
    visit(root, 0)
    return best
  }

  const covering = (pattern: PathPattern): R[] => {
    const inner = pattern.segments
    const found = new Set<R>()
    const seen = new Set<number>()
    // Walks the trie (the outer patterns) against `inner`: an outer `*` takes one inner
    // literal or `*`, an outer `**` absorbs any run of inner segments, wildcards included.
    const visit = (n: TrieNode<R>, j: number): void => {
      const key = j * width + n.id
      if (seen.has(key)) return
      seen.add(key)
      if (j === inner.length) n.terminal?.all.forEach((rule) => found.add(rule))
      else {
        const seg: PatternSegment = inner[j]!
        if (seg.kind === 'literal') {
          const child = n.literal?.get(seg.value)
          if (child) visit(child, j + 1)
        }
        if (seg.kind !== 'globstar' && n.star) visit(n.star, j + 1)
      }
      if (n.globstar) for (let k = j; k <= inner.length; k++) visit(n.globstar, k)
    }
    visit(root, 0)
    return [...found].sort((a, b) => a.index - b.index)
  }

  return { match, covering }
}

/** A compiled set of rules. */
export interface RuleMatcher<R> {
  /** The lowest-index rule whose pattern matches the path and that accepts the request. */
  match(request: MatchRequest): R | undefined
  /**
   * Every rule with a pattern that matches every path `pattern` matches (language
   * inclusion), in file order: used to find shadowed rules. Filters are not considered.
   */
  covering(pattern: PathPattern): R[]
}
