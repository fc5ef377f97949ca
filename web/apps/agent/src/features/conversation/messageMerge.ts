// Pure helpers the thread store uses to merge messages from three sources
// (pages, POST answers, message.created pushes) without ever showing one
// message twice: confirmed messages are unique by id; an optimistic message
// is found by its echo id (the idempotency key sent with it).
import type { Message } from '@shared/types/api'

/** A message as the thread shows it, with the client-side state of a send. */
export interface ThreadMessage extends Message {
  /** Sent, waiting for the server. */
  pending?: boolean
  /** The send failed; the message can be retried. */
  failed?: boolean
  /** Why it failed. */
  error?: string
  /** The echo id (sent as idempotency_key) of a message this client sent. */
  echo_id?: string
  /** Set when the message accepts an AI draft (sent through .../drafts/{id}/accept). */
  draft_id?: number
}

/** Confirmed messages (id > 0) by id, then local ones (id < 0) in the order they were written. */
export function compareMessages(a: ThreadMessage, b: ThreadMessage): number {
  const la = a.id < 0
  const lb = b.id < 0
  if (la !== lb) return la ? 1 : -1
  return la ? b.id - a.id : a.id - b.id
}

/** A random echo id for an optimistic message. */
export function newEchoId(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  let s = ''
  for (let i = 0; i < 4; i++) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')
  return s
}

/**
 * mergeConfirmed puts a server message into list (a new array is returned):
 * an existing copy with the same id wins; else the optimistic message with
 * the same echo id (or, for a draft acceptance, which carries no key, the
 * pending draft message with the same content) is replaced; else it is added.
 */
export function mergeConfirmed(list: readonly ThreadMessage[], m: Message, echoId?: string): ThreadMessage[] {
  const out = list.slice()
  const key = echoId || m.idempotency_key
  let local = key ? out.findIndex((x) => x.id < 0 && x.echo_id === key) : -1
  if (local < 0 && !m.idempotency_key && m.sender_type === 'agent') {
    local = out.findIndex((x) => x.id < 0 && x.pending && x.draft_id !== undefined && x.content === m.content)
  }
  if (out.some((x) => x.id === m.id)) {
    if (local >= 0) out.splice(local, 1)
    return out
  }
  const confirmed: ThreadMessage = { ...m }
  const was = local >= 0 ? out[local] : undefined
  // Keep the echo id, so the row keeps its identity (and its DOM node).
  if (was?.echo_id) confirmed.echo_id = was.echo_id
  if (local >= 0) out.splice(local, 1, confirmed)
  else out.push(confirmed)
  return out.sort(compareMessages)
}

/** mergePage adds a page of server messages (any order) to list, skipping ids it holds. */
export function mergePage(list: readonly ThreadMessage[], page: readonly Message[]): ThreadMessage[] {
  let out = list.slice()
  for (const m of page) out = mergeConfirmed(out, m)
  return out
}

/** The messages a refetch must keep: local sends the server has not confirmed. */
export function unconfirmed(list: readonly ThreadMessage[]): ThreadMessage[] {
  return list.filter((m) => m.id < 0)
}
