import { NOT_NOW, type NotNow } from '../util/not-now.js'

/** How the needs of a run are answered. */
export interface Answers<N> {
  /** The answer at once, from memory, or {@link NOT_NOW}; throwing is a failed answer. */
  now(need: N): unknown
  /** The answer, with whatever I/O it takes. */
  later(need: N): Promise<unknown>
}

/**
 * Runs a generator that yields what it needs and receives the answers, as an async function
 * awaits them: a failed answer is thrown into the generator at its `yield`. Needs are
 * answered with `now` while it can, so a run that needs no I/O returns its result
 * synchronously, without a promise or a turn of the microtask queue; from the first need
 * `now` cannot answer, the run goes on asynchronously and returns a promise.
 *
 * The decision logic is written once, as the generator; this is what lets a warm decision
 * (everything cached) be answered inside the request's own event.
 */
export function runSteps<N, R>(
  steps: Generator<N, R, unknown>,
  answers: Answers<N>,
): R | Promise<R> {
  let step = steps.next()
  while (!step.done) {
    let answer: unknown
    try {
      answer = answers.now(step.value)
    } catch (error) {
      step = steps.throw(error)
      continue
    }
    if (answer === NOT_NOW) return finish(steps, step.value, answers)
    step = steps.next(answer)
  }
  return step.value
}

type Answered = { ok: true; value: unknown } | { ok: false; error: unknown }

async function finish<N, R>(
  steps: Generator<N, R, unknown>,
  first: N,
  answers: Answers<N>,
): Promise<R> {
  let need = first
  let answered: Answered | NotNow = NOT_NOW
  for (;;) {
    if (answered === NOT_NOW) {
      try {
        answered = { ok: true, value: await answers.later(need) }
      } catch (error) {
        answered = { ok: false, error }
      }
    }
    // What the generator itself throws ends the run: it rejects the promise.
    const step = answered.ok ? steps.next(answered.value) : steps.throw(answered.error)
    if (step.done) return step.value
    need = step.value
    answered = tryNow(answers, need)
  }
}

function tryNow<N>(answers: Answers<N>, need: N): Answered | NotNow {
  try {
    const value = answers.now(need)
    return value === NOT_NOW ? NOT_NOW : { ok: true, value }
  } catch (error) {
    return { ok: false, error }
  }
}
