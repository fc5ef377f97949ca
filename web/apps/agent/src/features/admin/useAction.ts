// useAction wraps the admin pages' API calls: while one runs its busy flag
// is up, the form's problem is cleared first and filled from whatever the
// call throws (via problemOf), and the caller learns whether it succeeded.
// Several actions may share one problem ref (one FormErrors per form).
import { ref, type Ref } from 'vue'
import { problemOf, type FormProblem } from './forms'

/**
 * How a failure shows: return a FormProblem to show instead of the default
 * one (e.g. prefixed with a row's name), or nothing to keep the default.
 */
export type OnProblem = (p: FormProblem, err: unknown) => FormProblem | void

export interface Action {
  /** True while run's call is in flight. */
  busy: Ref<boolean>
  /** The last failure, null when none (cleared at each run unless keepProblem). */
  problem: Ref<FormProblem | null>
  /** run calls fn as described above; true when it did not throw. */
  run(fn: () => unknown, onProblem?: OnProblem): Promise<boolean>
}

export interface ActionOptions {
  /** Another action's problem to share (one FormErrors for both). */
  problem?: Ref<FormProblem | null>
  /** Start busy (a page loading on mount shows "Loading…" from the start). */
  busy?: boolean
  /** Leave the problem as it is when a run starts (a side call that must not hide a form's error). */
  keepProblem?: boolean
}

/** useAction makes an Action. */
export function useAction(options: ActionOptions = {}): Action {
  const problem = options.problem ?? ref<FormProblem | null>(null)
  const busy = ref(options.busy ?? false)
  async function run(fn: () => unknown, onProblem?: OnProblem): Promise<boolean> {
    if (!options.keepProblem) problem.value = null
    busy.value = true
    try {
      await fn()
      return true
    } catch (e) {
      const p = problemOf(e)
      problem.value = onProblem?.(p, e) ?? p
      return false
    } finally {
      busy.value = false
    }
  }
  return { busy, problem, run }
}
