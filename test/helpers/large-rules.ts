/**
 * Large rules files of a realistic shape (the same as `bench/rules-match.mjs`): per-artist
 * video, photo and member areas, some host-bound; `n` rules, then `tail` (YAML list items).
 */
export function largeRulesText(n: number, tail: string[] = []): string {
  const lines = ['version: 1', 'default: deny', 'rules:']
  for (let i = 0; i < n; i++) {
    const kind = i % 4
    if (kind === 0)
      lines.push(
        `  - { id: v${i}, match: { paths: ["/artists/a${i}/videos/**"], methods: [GET] }, require: { vibe: vibe${i}, token_ids: ["1-5"] } }`,
      )
    if (kind === 1)
      lines.push(
        `  - { id: p${i}, match: { paths: ["/artists/a${i}/photos/*/full"] }, require: { vibe: vibe${i} } }`,
      )
    if (kind === 2)
      lines.push(
        `  - { id: h${i}, match: { paths: ["/club/**"], hosts: [a${i}.fans.example.com] }, require: { issuer: artist${i} } }`,
      )
    if (kind === 3)
      lines.push(
        `  - { id: m${i}, match: { paths: ["/artists/a${i}/members/**"] }, access: authenticated }`,
      )
  }
  lines.push(...tail)
  return `${lines.join('\n')}\n`
}
