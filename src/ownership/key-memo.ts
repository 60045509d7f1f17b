import type { Scope } from './tiered-cache.js'

/**
 * Cache keys, remembered: the warm path asks for the same key (same namespace, user, vibe
 * and question, all strings of long-lived objects) on every request. Found by walking
 * nested maps with those parts, which builds nothing; the key is rebuilt only when a
 * generation moved. Handing out the same string also lets the LRU reuse its hash. At most
 * `max` keys are remembered; past that the memo starts again (it is only a memo).
 */
export function createKeyMemo(max: number): {
  of(
    namespace: string,
    scopes: readonly Scope[],
    gens: readonly number[],
    parts: readonly (string | number)[],
  ): string
} {
  interface Leaf {
    gens: readonly number[]
    key: string
  }
  // Counts mark the structure, so ('x', [a], 'vibe', 'b') and ('x', [a, vibe b]) differ.
  type Node = Map<string | number | typeof LEAF, Node | Leaf>
  const LEAF = Symbol('leaf')
  let root: Node = new Map()
  let leaves = 0
  const step = (node: Node, part: string | number): Node => {
    let next = node.get(part) as Node | undefined
    if (next === undefined) node.set(part, (next = new Map()))
    return next
  }
  return {
    of(namespace, scopes, gens, parts) {
      let node = step(step(root, namespace), scopes.length)
      for (const scope of scopes) node = step(step(node, scope.kind), scope.id)
      node = step(node, parts.length)
      for (const part of parts) node = step(node, part)
      const leaf = node.get(LEAF) as Leaf | undefined
      if (leaf && leaf.gens.every((g, i) => g === gens[i])) return leaf.key
      const flat: (string | number)[] = []
      scopes.forEach((scope, i) => flat.push(scope.kind, scope.id, gens[i]!))
      flat.push(...parts)
      // In process the parts themselves are the key (no secrets are among them); the
      // shared tier gets the hashed form (sharedKeyOf, in tiered-cache.ts).
      const key = `${namespace}:${JSON.stringify(flat)}`
      if (!leaf && ++leaves > max) {
        root = new Map()
        leaves = 0
      } else node.set(LEAF, { gens, key })
      return key
    },
  }
}
