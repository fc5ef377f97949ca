// Unsent composer text per conversation, in memory for the page's lifetime:
// switching to another conversation and back brings back what was typed
// (with its private-note mode and the AI draft it came from). Keys include
// the agent and account, so another login in the same tab never sees it.

export interface ComposerState {
  text: string
  private: boolean
  /** The AI draft the text came from, if any (sending accepts it). */
  draftId: number | null
}

/** How many conversations' unsent texts are kept (the oldest go first). */
const MAX_ENTRIES = 50

export function createComposerMemory(max = MAX_ENTRIES) {
  const kept = new Map<string, ComposerState>()

  /** Keeps the state, or forgets it when the text is blank. */
  function save(key: string, s: ComposerState): void {
    kept.delete(key)
    if (s.text.trim() === '') return
    kept.set(key, { ...s })
    while (kept.size > max) {
      const oldest = kept.keys().next().value
      if (oldest === undefined) break
      kept.delete(oldest)
    }
  }

  function take(key: string): ComposerState | null {
    const s = kept.get(key)
    return s ? { ...s } : null
  }

  function size(): number {
    return kept.size
  }

  function clear(): void {
    kept.clear()
  }

  return { save, take, size, clear }
}
