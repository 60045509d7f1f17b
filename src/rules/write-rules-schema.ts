import { writeFile } from 'node:fs/promises'
import { rulesJsonSchema } from './rules-schema.js'

/** The text of `rules/rules.schema.json`: the schema, pretty-printed, with a final newline. */
export function rulesSchemaText(): string {
  return `${JSON.stringify(rulesJsonSchema(), null, 2)}\n`
}

/** Writes `rules/rules.schema.json` (`npm run schema`). */
export async function writeRulesSchema(file: string): Promise<void> {
  await writeFile(file, rulesSchemaText())
}
