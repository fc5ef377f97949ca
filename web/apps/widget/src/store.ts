// The widget's message list: server messages merged and deduplicated by id,
// plus the visitor's own messages from the moment they are typed (optimistic),
// keyed by their idempotency key until the server confirms them. Pure logic,
// no DOM; the controller renders and persists on every change.
import type { SenderType, WireMessage } from './types'

export type MessageState = 'sent' | 'sending' | 'queued' | 'failed'

export interface ChatMessage {
  /** Stable key: "m<id>" for server messages, the idempotency key for the visitor's own. */
  key: string
  id: number | null
  content: string
  sender_type: SenderType
  created_at: string
  state: MessageState
  /** For a local message: the highest server id known when it was typed. */
  after?: number
}

/** Sort order: confirmed messages by id, then unconfirmed ones as typed. */
function compare(a: ChatMessage, b: ChatMessage): number {
  if (a.id !== null && b.id !== null) return a.id - b.id
  if (a.id !== null) return -1
  if (b.id !== null) return 1
  return 0 // Array.prototype.sort is stable: typing order is kept
}

const senderTypes: readonly string[] = ['contact', 'agent', 'system', 'ai']

/** Checks the shape of a message from the wire; anything else is dropped. */
export function isWireMessage(v: unknown): v is WireMessage {
  const m = v as Partial<WireMessage> | null
  return !!m && typeof m.id === 'number' && typeof m.content === 'string' &&
    typeof m.sender_type === 'string' && senderTypes.includes(m.sender_type)
}

export class MessageStore {
  private list: ChatMessage[] = []
  private listeners: (() => void)[] = []

  /** Messages in display order. */
  all(): readonly ChatMessage[] {
    return this.list
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn)
  }

  private changed(): void {
    this.list.sort(compare)
    for (const fn of this.listeners) fn()
  }

  /** The highest server id held (0 when none). */
  lastId(): number {
    let max = 0
    for (const m of this.list) if (m.id !== null && m.id > max) max = m.id
    return max
  }

  has(id: number): boolean {
    return this.list.some((m) => m.id === id)
  }

  /**
   * Merges server messages (history page, push, poll). Returns the ones that
   * were new. A contact message matching an unconfirmed local message of the
   * same text (typed after everything older than it) confirms that message
   * instead of showing twice: the push echo can beat the POST answer.
   */
  merge(msgs: readonly unknown[]): WireMessage[] {
    const added: WireMessage[] = []
    let dirty = false
    for (const raw of msgs) {
      if (!isWireMessage(raw) || this.has(raw.id)) continue
      if (raw.sender_type === 'contact') {
        const local = this.list.find((m) => m.id === null && m.content === raw.content && raw.id > (m.after ?? 0))
        if (local) {
          local.id = raw.id
          local.created_at = raw.created_at
          local.state = 'sent'
          dirty = true
          continue
        }
      }
      this.list.push({ key: 'm' + raw.id, id: raw.id, content: raw.content, sender_type: raw.sender_type, created_at: raw.created_at, state: 'sent' })
      added.push(raw)
      dirty = true
    }
    if (dirty) this.changed()
    return added
  }

  /** Adds the visitor's message before it is sent. */
  addLocal(content: string, key: string, now = new Date()): ChatMessage {
    const m: ChatMessage = { key, id: null, content, sender_type: 'contact', created_at: now.toISOString(), state: 'sending', after: this.lastId() }
    this.list.push(m)
    this.changed()
    return m
  }

  /** Confirms a local message with the server's answer to its POST. */
  confirm(key: string, msg: WireMessage): void {
    const i = this.list.findIndex((m) => m.key === key)
    if (i < 0) {
      this.merge([msg])
      return
    }
    const local = this.list[i]!
    if (local.id === msg.id) return
    const dup = this.list.findIndex((m) => m.id === msg.id)
    if (dup >= 0) {
      // The echo arrived first and did not match (text normalised by the
      // server): keep one copy, the local one, so its element stays.
      this.list.splice(dup, 1)
    }
    local.id = msg.id
    local.content = msg.content
    local.created_at = msg.created_at
    local.state = 'sent'
    this.changed()
  }

  setState(key: string, state: MessageState): void {
    const m = this.list.find((x) => x.key === key)
    if (m && m.id === null && m.state !== state) {
      m.state = state
      this.changed()
    }
  }

  /** The visitor's messages the server has not confirmed, in typing order. */
  unsent(): ChatMessage[] {
    return this.list.filter((m) => m.id === null)
  }

  find(key: string): ChatMessage | undefined {
    return this.list.find((m) => m.key === key)
  }

  /** What to keep across page loads: the last `limit` confirmed messages and every unsent one. */
  snapshot(limit = 50): ChatMessage[] {
    const sent = this.list.filter((m) => m.id !== null).slice(-limit)
    return [...sent, ...this.unsent()].map((m) => ({ ...m }))
  }

  /** Restores a snapshot; a message that was being sent is queued again. */
  load(msgs: readonly ChatMessage[]): void {
    this.list = msgs
      .filter((m) => m && typeof m.key === 'string' && typeof m.content === 'string')
      .map((m) => ({ ...m, state: m.id === null && m.state === 'sending' ? 'queued' : m.state }))
    this.changed()
  }

  clear(): void {
    this.list = []
    this.changed()
  }
}
