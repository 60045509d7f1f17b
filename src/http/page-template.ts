import { escapeHtml } from './html-page.js'

/** A compiled page template: fills in the variables, every value escaped. */
export type PageTemplate = (vars: Readonly<Record<string, string>>) => string

const PLACEHOLDER = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g

/**
 * Compiles an operator's page template: `{{name}}` is replaced by the variable's value,
 * HTML-escaped (safe in element content and in double- or single-quoted attributes); there
 * is no raw form, no logic and no includes, so a template cannot run code at render time.
 * A placeholder naming a variable outside `known`, or a stray `{{`, throws a TypeError
 * naming `source` and the variable, so a typo fails at start-up rather than rendering empty.
 */
export function compilePageTemplate(
  text: string,
  known: readonly string[],
  source: string,
): PageTemplate {
  const parts: string[] = []
  const names: string[] = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!
    if (!known.includes(name))
      throw new TypeError(
        `${source}: unknown variable {{${name}}}; the variables are ${known.join(', ')}`,
      )
    parts.push(text.slice(last, match.index))
    names.push(name)
    last = match.index + match[0].length
  }
  parts.push(text.slice(last))
  const stray = parts.findIndex((p) => p.includes('{{'))
  if (stray !== -1) throw new TypeError(`${source}: "{{" that is not a {{variable}} placeholder`)
  return (vars) => {
    let out = parts[0]!
    for (const [i, name] of names.entries()) out += escapeHtml(vars[name] ?? '') + parts[i + 1]!
    return out
  }
}
