import {
  CST,
  Composer,
  Lexer,
  LineCounter,
  Parser,
  isMap,
  isNode,
  isScalar,
  YAMLParseError,
  type Document,
} from 'yaml'
import { placeYamlSyntaxErrors } from './yaml-syntax-errors.js'

/** A 1-based position in a source file. */
export interface SourcePosition {
  line: number
  column: number
}

/**
 * Caps checked while the text is parsed, so that a hostile document is refused before it is
 * built: the check stops the parse at the first collection beyond the limit.
 */
export interface YamlSourceLimits {
  /** Deepest nesting of mappings and lists (a root mapping is depth 1); default unlimited. */
  maxDepth?: number
  /**
   * Most items of the list under one key of the root mapping, e.g. `{ key: 'rules', max:
   * 20000 }`; default unlimited. Checked with a slack of one item while parsing (a trailing
   * comma cannot be told from an item yet), so callers check the parsed value exactly too.
   */
  maxItems?: { key: string; max: number }
}

/** Which limit stopped the parse, and where. */
export type YamlLimitExceeded = SourcePosition &
  ({ limit: 'maxDepth'; max: number } | { limit: 'maxItems'; key: string; max: number })

/** A YAML (or JSON) document parsed with positions, for configuration files that must
 * report every problem with its line and column. */
export interface YamlSource {
  /** The document as plain data; undefined when it has syntax errors or exceeds a limit. */
  value: unknown
  /** Syntax errors (duplicate keys included), each with its position. */
  syntaxErrors: (SourcePosition & { message: string })[]
  /** Set when a limit stopped the parse; `value` is then undefined and nothing else is known. */
  limitExceeded: YamlLimitExceeded | undefined
  /**
   * Where the value at `path` starts, or its nearest existing ancestor; with `key`, where
   * that key of the mapping at `path` is written (for unknown keys).
   */
  position(path: readonly (string | number)[], key?: string): SourcePosition
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection'])

/** Thrown inside the token stream to stop the parse; never escapes this module. */
class LimitStop {
  constructor(
    readonly offset: number,
    readonly exceeded: 'maxDepth' | 'maxItems',
  ) {}
}

/**
 * Parses YAML or JSON (JSON is YAML) keeping positions; duplicate keys are syntax errors.
 * This is `parseDocument` with the lexer, parser and composer wired by hand, so that the
 * parser's stack (the collections being built) can be checked against `limits` after every
 * token: a 200,000-deep document stops at depth `maxDepth`, in microseconds.
 */
export function parseYamlSource(text: string, limits: YamlSourceLimits = {}): YamlSource {
  const lineCounter = new LineCounter()
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  const parser = new Parser(lineCounter.addNewLine)
  const composer = new Composer({ uniqueKeys: true, prettyErrors: false })
  let doc: Document.Parsed | undefined
  let limitExceeded: YamlLimitExceeded | undefined
  try {
    for (const parsed of composer.compose(
      limitedTokens(text, parser, limits, () => lineCounter.addNewLine(0)),
      true,
      text.length,
    )) {
      // Only the first document counts; more are reported as an error, as parseDocument does.
      if (doc) {
        const range: [number, number] = [parsed.range[0], parsed.range[1]]
        doc.errors.push(
          new YAMLParseError(range, 'MULTIPLE_DOCS', 'Source contains multiple documents'),
        )
        break
      }
      doc = parsed
    }
  } catch (error) {
    if (!(error instanceof LimitStop)) throw error
    const position = at(error.offset)
    limitExceeded =
      error.exceeded === 'maxDepth'
        ? { ...position, limit: 'maxDepth', max: limits.maxDepth! }
        : { ...position, limit: 'maxItems', key: limits.maxItems!.key, max: limits.maxItems!.max }
  }
  if (limitExceeded || !doc) {
    return {
      value: undefined,
      syntaxErrors: [],
      limitExceeded,
      position: () => limitExceeded ?? { line: 1, column: 1 },
    }
  }
  const parsed = doc
  const syntaxErrors = placeYamlSyntaxErrors(text, parsed.errors, at)
  return {
    value: syntaxErrors.length > 0 ? undefined : (parsed.toJS({ maxAliasCount: 100 }) as unknown),
    syntaxErrors,
    limitExceeded: undefined,
    position(path, key) {
      for (let length = path.length; length >= 0; length--) {
        const node = length === 0 ? parsed.contents : parsed.getIn(path.slice(0, length), true)
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

/** The parser's output for `text`, checking the stack of collections after every token. */
function* limitedTokens(
  text: string,
  parser: Parser,
  limits: YamlSourceLimits,
  onFirstLine: () => void,
): Generator<CST.Token> {
  const { maxDepth = Infinity, maxItems } = limits
  // Parser.parse() reports the first line itself; fed token by token, it is ours to report.
  onFirstLine()
  for (const lexeme of new Lexer().lex(text)) {
    yield* parser.next(lexeme)
    const stack = parser.stack
    // stack[0] is the document; deeper entries are collections, with at most one scalar on top.
    if (stack.length - 1 > maxDepth) {
      const collections = stack.filter((token) => COLLECTIONS.has(token.type))
      const beyond = collections[maxDepth]
      if (beyond) throw new LimitStop(beyond.offset, 'maxDepth')
    }
    if (maxItems && stack.length > 2) {
      const root = stack[1]!
      const list = stack[2]!
      if (
        (list.type === 'block-seq' || list.type === 'flow-collection') &&
        list.items.length > maxItems.max + 1 &&
        (root.type === 'block-map' || root.type === 'flow-collection') &&
        keyOf(root.items[root.items.length - 1]?.key) === maxItems.key
      ) {
        // Complete, since another item follows it: its value is where the item starts.
        const item = list.items[maxItems.max]!
        throw new LimitStop(item.value?.offset ?? list.offset, 'maxItems')
      }
    }
  }
  yield* parser.end()
}

function keyOf(token: CST.Token | null | undefined): string | undefined {
  if (!token) return undefined
  const scalar = CST.resolveAsScalar(token)
  return scalar ? scalar.value : undefined
}

/** A field path as an operator reads it: `rules[3].match.paths[0]`; '' for the root. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('')
}
