// Specs of the shortcut registry: the latest registration of a key wins,
// nothing fires while typing in a field (unless the shortcut allows it) or
// with modifier keys, and unregistering removes the keys.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { activeShortcuts, isTypingTarget, registerShortcuts, shortcutFor } from '@/composables/useShortcuts'

let offs: (() => void)[] = []
afterEach(() => {
  offs.forEach((f) => f())
  offs = []
  document.body.innerHTML = ''
})

function press(key: string, target: HTMLElement = document.body, init: KeyboardEventInit = {}): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(e)
  return e
}

describe('useShortcuts', () => {
  it('fires the latest registration of a key and prevents the default', () => {
    const a = vi.fn()
    const b = vi.fn()
    offs.push(registerShortcuts([{ key: 'e', description: 'a', handler: a }]))
    const offB = registerShortcuts([{ key: 'e', description: 'b', handler: b }])
    const e = press('e')
    expect(b).toHaveBeenCalledOnce()
    expect(a).not.toHaveBeenCalled()
    expect(e.defaultPrevented).toBe(true)
    offB()
    press('e')
    expect(a).toHaveBeenCalledOnce()
    expect(activeShortcuts.value.map((s) => s.description)).toEqual(['a'])
  })

  it('never fires while typing in a field, or with modifiers', () => {
    const h = vi.fn()
    offs.push(registerShortcuts([{ key: 'r', description: 'reply', handler: h }]))
    const ta = document.createElement('textarea')
    const input = document.createElement('input')
    const box = document.createElement('input')
    box.type = 'checkbox'
    document.body.append(ta, input, box)
    press('r', ta)
    press('r', input)
    press('r', document.body, { ctrlKey: true })
    expect(h).not.toHaveBeenCalled()
    press('r', box)
    expect(h).toHaveBeenCalledOnce()
    expect(isTypingTarget(ta)).toBe(true)
    expect(isTypingTarget(box)).toBe(false)
  })

  it('lets a shortcut that allows it fire in fields, and keeps the default when it declines', () => {
    const h = vi.fn(() => false)
    offs.push(registerShortcuts([{ key: 'Escape', description: 'close', inFields: true, handler: h }]))
    const ta = document.createElement('textarea')
    document.body.append(ta)
    const e = press('Escape', ta)
    expect(h).toHaveBeenCalledOnce()
    expect(e.defaultPrevented).toBe(false)
    expect(shortcutFor(new KeyboardEvent('keydown', { key: 'x' }))).toBeNull()
  })
})
