/**
 * A fixture file that cannot be used. `problems` lists every problem found, each as
 * `FILE[:LINE:COL]: PATH: what is wrong and how to fix it`, so the file can be fixed in one go.
 */
export class FixtureError extends Error {
  /** Every problem, one line each, in file order. */
  readonly problems: string[]

  constructor(file: string, problems: string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
    super(
      `invalid simulator fixture ${file} (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`,
    )
    this.name = 'FixtureError'
    this.problems = problems
  }
}
