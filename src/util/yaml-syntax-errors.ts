import type { YAMLError } from 'yaml'

/** A YAML syntax error placed where the author has to fix it (1-based line and column). */
export interface PlacedYamlError {
  line: number
  column: number
  message: string
}

/**
 * The parser's errors as an author reads them. The yaml library places indentation errors
 * at the start of the line (column 1), and an over-indented line at the start of the line
 * above it, which it takes for a key spanning two lines; both are moved to the first
 * character of the line at fault, and the second explained. `at` turns an offset into a
 * 1-based line and column.
 */
export function placeYamlSyntaxErrors(
  text: string,
  errors: readonly YAMLError[],
  at: (offset: number) => { line: number; column: number },
): PlacedYamlError[] {
  const multiline = new Set(
    errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]),
  )
  const placed: PlacedYamlError[] = []
  for (const error of errors) {
    const message = error.message.split('\n')[0]!
    // Reported with the multi-line key at the same place: one problem, told once.
    if (error.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(error.pos[0])) continue
    if (error.code === 'MULTILINE_IMPLICIT_KEY') {
      const newline = text.indexOf('\n', error.pos[0])
      if (newline !== -1 && newline < error.pos[1]) {
        const above = at(error.pos[0]).line
        placed.push({
          ...at(firstNonBlank(text, newline + 1)),
          message: `bad indentation: this line is indented deeper than line ${above}, so YAML reads it as the continuation of that line's value; indent it like the keys beside it`,
        })
        continue
      }
    }
    placed.push({ ...at(firstNonBlank(text, error.pos[0])), message })
  }
  return placed
}

/** `offset`, or when it lies in a line's leading blanks, the first character after them. */
function firstNonBlank(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1
  if (!/^[ \t]*$/.test(text.slice(lineStart, offset))) return offset
  let i = offset
  while (text[i] === ' ' || text[i] === '\t') i++
  return i < text.length && text[i] !== '\n' && text[i] !== '\r' ? i : offset
}
