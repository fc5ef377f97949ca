// Keyboard shortcuts of the agent app. Components register the keys they
// handle for as long as they are mounted (the latest registration of a key
// wins); one window listener dispatches them. Shortcuts never fire while
// the agent types in an input, textarea, select or editable element, or
// with Ctrl/Meta/Alt held. ShortcutHelp lists what is registered now.
import { computed, onBeforeUnmount, onMounted, ref, shallowRef } from 'vue'

export interface Shortcut {
  /** KeyboardEvent.key, e.g. 'j', '?', 'Escape'. */
  key: string
  description: string
  /** Heading in the help overlay. */
  group?: string
  /** Returning false means "not handled": the key keeps its default action. */
  handler: (e: KeyboardEvent) => void | boolean
  /** Also fire while typing in a field (only Escape-like keys should). */
  inFields?: boolean
}

interface Registration {
  id: number
  shortcuts: Shortcut[]
}

const registrations = shallowRef<Registration[]>([])
let nextId = 0
let listening = false

/** Whether the shortcut help overlay is open. */
export const helpOpen = ref(false)

/** Everything registered now, one entry per key (the latest wins), for the help overlay. */
export const activeShortcuts = computed(() => {
  const byKey = new Map<string, Shortcut>()
  for (const r of registrations.value) for (const s of r.shortcuts) byKey.set(s.key, s)
  return [...byKey.values()]
})

/** True when the event comes from somewhere the agent types. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false
  const el = target as HTMLElement
  if (el.isContentEditable) return true
  const tag = el.tagName.toLowerCase()
  if (tag === 'textarea' || tag === 'select') return true
  if (tag !== 'input') return false
  const type = ((el as HTMLInputElement).type || 'text').toLowerCase()
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(type)
}

/** The handler a keydown event triggers, if any (exported for tests). */
export function shortcutFor(e: KeyboardEvent): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null
  const typing = isTypingTarget(e.target)
  const list = registrations.value
  for (let i = list.length - 1; i >= 0; i--) {
    const r = list[i]!
    for (let j = r.shortcuts.length - 1; j >= 0; j--) {
      const s = r.shortcuts[j]!
      if (s.key === e.key && (!typing || s.inFields)) return s
    }
  }
  return null
}

function onKeydown(e: KeyboardEvent): void {
  if (e.defaultPrevented) return
  const s = shortcutFor(e)
  if (!s) return
  if (s.handler(e) !== false) e.preventDefault()
}

/** Registers shortcuts now; returns the function that removes them. */
export function registerShortcuts(shortcuts: Shortcut[]): () => void {
  const id = ++nextId
  registrations.value = [...registrations.value, { id, shortcuts }]
  if (!listening && typeof window !== 'undefined') {
    window.addEventListener('keydown', onKeydown)
    listening = true
  }
  return () => {
    registrations.value = registrations.value.filter((r) => r.id !== id)
    if (registrations.value.length === 0 && listening) {
      window.removeEventListener('keydown', onKeydown)
      listening = false
    }
  }
}

/** Registers shortcuts for the lifetime of the calling component. */
export function useShortcuts(shortcuts: Shortcut[]): void {
  let off: (() => void) | null = null
  onMounted(() => {
    off = registerShortcuts(shortcuts)
  })
  onBeforeUnmount(() => off?.())
}

/**
 * Runs fn once the key that triggered a shortcut is released (or after a
 * second at most). Shortcuts that move focus into a text field use it, so
 * the key's own character never lands in that field: a synthetic key
 * sequence (keydown, char, keyup, as test drivers send it) would otherwise
 * type it there.
 */
export function afterKeyup(fn: () => void): void {
  let done = false
  const run = () => {
    if (done) return
    done = true
    window.removeEventListener('keyup', run, true)
    clearTimeout(timer)
    fn()
  }
  const timer = setTimeout(run, 1000)
  window.addEventListener('keyup', run, true)
}
