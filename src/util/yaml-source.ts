import { LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml'

/** A 1-based position in a source file. */
export interface SourcePosition {
  line: number
  column: number
}

/** A YAML (or JSON) document parsed with positions, for configuration files that must
 * report every problem with its line and column. */
export interface YamlSource {
  /** The document as plain data; undefined when it has syntax errors. */
  value: unknown
  /** Syntax errors (duplicate keys included), each with its position. */
  syntaxErrors: (SourcePosition & { message: string })[]
  /**
   * Where the value at `path` starts, or its nearest existing ancestor; with `key`, where
   * that key of the mapping at `path` is written (for unknown keys).
   */
  position(path: readonly (string | number)[], key?: string): SourcePosition
}

/** Parses YAML or JSON (JSON is YAML) keeping positions; duplicate keys are syntax errors. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  const syntaxErrors = doc.errors.map((e) => ({
    ...at(e.pos[0]),
    message: e.message.split('\n')[0]!,
  }))
  return {
    value: syntaxErrors.length > 0 ? undefined : (doc.toJS({ maxAliasCount: 100 }) as unknown),
    syntaxErrors,
    position(path, key) {
      for (let length = path.length; length >= 0; length--) {
        const node = length === 0 ? doc.contents : doc.getIn(path.slice(0, length), true)
        if (key !== undefined && length === path.length && isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key)
          if (pair && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0])
        }
        if (isNode(node) && node.range) return at(node.range[0])
      }
      return { line: 1, column: 1 }
    },
  }
}

/** A field path as an operator reads it: `rules[3].match.paths[0]`; '' for the root. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('')
}
