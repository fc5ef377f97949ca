// The one centrifuge client of the agent app. It connects with the access
// token (refreshed through the auth store), subscribes to the account and
// the agent's personal channel with recovery on, resubscribes on account
// switch, and lets the open conversation watch its channel for typing.
// Watched conversations are remembered, so a pane that mounts before the
// client exists (a page load straight to a conversation) is subscribed once
// it starts, and again after an account switch. Transports: WebSocket
// first, then HTTP streaming and SSE through the emulation endpoint (for
// networks that block WebSockets). After a reconnect that could not recover what was missed, everything is
// treated as stale and refetched.
import { Centrifuge, UnauthorizedError, type Subscription } from 'centrifuge'
import { ref, watch } from 'vue'
import { useAuthStore } from '@/stores/auth'
import { useConversationsStore } from '@/stores/conversations'
import { useAgentsStore } from '@/stores/agents'
import { useThreadStore } from '@/stores/thread'
import { dispatchConversationPublication, dispatchEvent, resetDedupe } from '@/realtime/events'

export type ConnectionState = 'offline' | 'connecting' | 'live' | 'reconnecting'

/** For the top bar's indicator. */
export const connectionState = ref<ConnectionState>('offline')

let client: Centrifuge | null = null
let accountSubs: Subscription[] = []
let subscribedAccount: number | null = null
/** Conversations the UI wants to watch, whether or not they are subscribed yet. */
const wanted = new Set<number>()
/** Their live subscriptions. */
const watched = new Map<number, Subscription>()
let everLive = false
let stopWatch: (() => void) | null = null

/** Where the HTTP-based fallbacks send their commands (centrifuge's bidirectional emulation). */
export const EMULATION_ENDPOINT = '/connection/emulation'

/** The transports in the order tried: WebSocket, then HTTP streaming, then SSE. */
export function transportEndpoints(loc: Pick<Location, 'protocol' | 'host'> = globalThis.location) {
  const wsProto = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  return [
    { transport: 'websocket' as const, endpoint: `${wsProto}//${loc.host}/connection/websocket` },
    { transport: 'http_stream' as const, endpoint: '/connection/http_stream' },
    { transport: 'sse' as const, endpoint: '/connection/sse' },
  ]
}

let staleTimer: ReturnType<typeof setTimeout> | null = null

/**
 * Everything shown may have missed changes: load it again. Several
 * channels report the same gap together, so reloads are coalesced.
 */
export function markStale(): void {
  if (staleTimer) return
  staleTimer = setTimeout(() => {
    staleTimer = null
    void useConversationsStore().reload()
    void useAgentsStore().load().catch(() => {})
    void Promise.resolve(useThreadStore().refetch()).catch(() => {})
  }, 100)
}

function updateState(): void {
  if (!client) {
    connectionState.value = 'offline'
    return
  }
  const live = client.state === 'connected' && accountSubs.length > 0 && accountSubs.every((s) => s.state === 'subscribed')
  if (live) {
    everLive = true
    connectionState.value = 'live'
  } else {
    connectionState.value = everLive ? 'reconnecting' : 'connecting'
  }
}

function subscribeAccount(accountId: number, userId: number): void {
  if (!client) return
  for (const ch of [`account:${accountId}`, `agent:${accountId}:${userId}`]) {
    const sub = client.newSubscription(ch, { recoverable: true, positioned: true })
    sub.on('publication', (ctx) => dispatchEvent(ctx.data))
    sub.on('subscribed', (ctx) => {
      if (ctx.wasRecovering && !ctx.recovered) markStale()
      updateState()
    })
    sub.on('subscribing', updateState)
    sub.on('unsubscribed', updateState)
    sub.subscribe()
    accountSubs.push(sub)
  }
  subscribedAccount = accountId
}

function dropSubscription(sub: Subscription): void {
  sub.removeAllListeners()
  sub.unsubscribe()
  client?.removeSubscription(sub)
}

/** Drops every subscription; the wanted conversations stay wanted. */
function unsubscribeAll(): void {
  for (const sub of accountSubs) dropSubscription(sub)
  accountSubs = []
  for (const sub of watched.values()) dropSubscription(sub)
  watched.clear()
  subscribedAccount = null
}

function subscribeConversation(id: number): void {
  const accountId = useAuthStore().currentAccountId
  if (!client || accountId === null || watched.has(id)) return
  const ch = `conversation:${accountId}:${id}`
  const sub = client.getSubscription(ch) ?? client.newSubscription(ch)
  sub.on('publication', (ctx) => dispatchConversationPublication(ctx.data, accountId))
  sub.subscribe()
  watched.set(id, sub)
}

/** Subscribes every wanted conversation not yet subscribed (client start, account switch). */
function applyWatched(): void {
  for (const id of wanted) subscribeConversation(id)
}

/** Connects (once) and follows the current account. Call after login. */
export function startRealtime(): void {
  const auth = useAuthStore()
  if (client || !auth.isAuthenticated) return
  client = new Centrifuge(transportEndpoints(), {
    token: auth.accessToken ?? '',
    getToken: async () => {
      const t = await useAuthStore().freshAccessToken()
      if (!t) throw new UnauthorizedError('session over')
      return t
    },
    emulationEndpoint: EMULATION_ENDPOINT,
    minReconnectDelay: 500,
    maxReconnectDelay: 10_000,
  })
  client.on('state', updateState)
  client.on('connected', updateState)
  client.on('disconnected', updateState)
  client.on('connecting', updateState)
  stopWatch = watch(
    () => [auth.currentAccountId, auth.user?.id] as const,
    ([accountId, userId]) => {
      if (accountId === subscribedAccount && accountSubs.length > 0) return
      unsubscribeAll()
      resetDedupe()
      if (accountId !== null && userId !== undefined) subscribeAccount(accountId, userId)
      applyWatched()
      updateState()
    },
    { immediate: true },
  )
  client.connect()
  updateState()
}

/** Disconnects and forgets every subscription (logout). */
export function stopRealtime(): void {
  stopWatch?.()
  stopWatch = null
  unsubscribeAll()
  client?.removeAllListeners()
  client?.disconnect()
  client = null
  everLive = false
  connectionState.value = 'offline'
}

/**
 * Watches a conversation's channel for typing (the open conversation).
 * Before the client exists it is remembered and subscribed when it starts.
 */
export function watchConversation(id: number): void {
  wanted.add(id)
  subscribeConversation(id)
}

export function unwatchConversation(id: number): void {
  wanted.delete(id)
  const sub = watched.get(id)
  if (!sub) return
  watched.delete(id)
  dropSubscription(sub)
}

/** Tells the contact (and other agents) that this agent is typing, or stopped. */
export function sendTyping(conversationId: number, typing: boolean): void {
  const sub = watched.get(conversationId)
  if (!sub || sub.state !== 'subscribed') return
  sub.publish({ type: 'typing', typing }).catch(() => {
    // typing is best effort
  })
}
