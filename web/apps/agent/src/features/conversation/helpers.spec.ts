// Specs of the conversation view's pure helpers: message merging, the
// agent's typing signal (throttle and idle stop) and the snooze presets.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { mergeConfirmed, mergePage, type ThreadMessage } from './messageMerge'
import { createTypingSignal, IDLE_MS, THROTTLE_MS } from './typingSignal'
import { SNOOZE_PRESETS } from './snooze'
import type { Message } from '@shared/types/api'

const m = (id: number, over: Partial<ThreadMessage> = {}): ThreadMessage => ({
  id, account_id: 1, conversation_id: 1, sender_type: 'agent', sender_id: 1, content: `m${id}`, private: false,
  created_at: '', ...over,
})

afterEach(() => vi.useRealTimers())

describe('messageMerge', () => {
  it('replaces the local copy found by echo id and keeps the echo id for a stable row', () => {
    const list = [m(1), m(-1, { echo_id: 'e1', pending: true, content: 'x' })]
    const out = mergeConfirmed(list, m(5, { content: 'x', idempotency_key: 'e1' }) as Message)
    expect(out.map((x) => [x.id, x.echo_id, !!x.pending])).toEqual([[1, undefined, false], [5, 'e1', false]])
  })

  it('matches a draft acceptance (no key) by content, and never duplicates an id', () => {
    const list = [m(-2, { echo_id: 'e2', pending: true, draft_id: 3, content: 'Draft text' })]
    const out = mergeConfirmed(list, m(7, { content: 'Draft text' }) as Message)
    expect(out.map((x) => x.id)).toEqual([7])
    expect(mergeConfirmed(out, m(7) as Message, 'e2').map((x) => x.id)).toEqual([7])
  })

  it('sorts pages by id with local messages last', () => {
    const out = mergePage([m(-1, { echo_id: 'a' }), m(4)], [m(3), m(2), m(4)] as Message[])
    expect(out.map((x) => x.id)).toEqual([2, 3, 4, -1])
  })
})

describe('typingSignal', () => {
  it('throttles typing and sends stopped once after the idle time', () => {
    vi.useFakeTimers()
    const send = vi.fn()
    const t = createTypingSignal(send)
    t.keystroke(1)
    t.keystroke(1)
    expect(send.mock.calls).toEqual([[1, true]])
    vi.advanceTimersByTime(THROTTLE_MS)
    t.keystroke(1)
    expect(send.mock.calls).toEqual([[1, true], [1, true]])
    vi.advanceTimersByTime(IDLE_MS)
    expect(send.mock.calls).toEqual([[1, true], [1, true], [1, false]])
    t.stop()
    expect(send).toHaveBeenCalledTimes(3)
  })

  it('stops the old conversation when typing moves to another', () => {
    const send = vi.fn()
    const t = createTypingSignal(send)
    t.keystroke(1)
    t.keystroke(2)
    expect(send.mock.calls).toEqual([[1, true], [1, false], [2, true]])
    t.stop()
  })
})

describe('snooze presets', () => {
  it('gives 1 hour, tomorrow 9:00 and next Monday 9:00', () => {
    const wed = new Date(2030, 0, 2, 15, 30) // a Wednesday
    const [hour, tomorrow, week] = SNOOZE_PRESETS.map((p) => p.until(wed))
    expect(hour!.getTime() - wed.getTime()).toBe(3600_000)
    expect([tomorrow!.getDate(), tomorrow!.getHours(), tomorrow!.getMinutes()]).toEqual([3, 9, 0])
    expect([week!.getDay(), week!.getDate(), week!.getHours()]).toEqual([1, 7, 9])
    const monday = new Date(2030, 0, 7, 8, 0)
    expect(SNOOZE_PRESETS[2]!.until(monday).getDate()).toBe(14)
  })
})
