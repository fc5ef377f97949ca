// The agent's side of typing: while the agent types, "typing" goes out at
// most every THROTTLE_MS; after IDLE_MS without a keystroke (or on send,
// or when the conversation changes) "stopped" goes out once.
export const THROTTLE_MS = 2000
export const IDLE_MS = 3000

export type TypingSend = (conversationId: number, typing: boolean) => void

export function createTypingSignal(send: TypingSend) {
  let current: number | null = null
  let lastSent = 0
  let idle: ReturnType<typeof setTimeout> | null = null

  function stop(): void {
    if (idle) clearTimeout(idle)
    idle = null
    if (current !== null) {
      const id = current
      current = null
      lastSent = 0
      try {
        send(id, false)
      } catch {
        // real time is best effort
      }
    }
  }

  /** A keystroke in the composer of conversation id. */
  function keystroke(id: number): void {
    if (current !== null && current !== id) stop()
    const now = Date.now()
    if (current === null || now - lastSent >= THROTTLE_MS) {
      current = id
      lastSent = now
      try {
        send(id, true)
      } catch {
        // real time is best effort
      }
    }
    if (idle) clearTimeout(idle)
    idle = setTimeout(stop, IDLE_MS)
  }

  return { keystroke, stop }
}
