// Keeps the admin pages and the rest of the app in step: after an admin
// change the agents store (filters, assignment selects) reloads its agents,
// teams and inboxes, and the session reloads the profile when the change
// touches the administrator's own membership or the account's name; live
// presence from that store flows back into the agents page.
import { watch } from 'vue'
import { useAgentsStore } from '@/stores/agents'
import { useAuthStore } from '@/stores/auth'
import type { Agent } from '@shared/types/admin'

export function useAdminSync() {
  const agentsStore = useAgentsStore()
  const auth = useAuthStore()
  return {
    /** Agents, teams or inboxes changed. */
    directoryChanged(): void {
      if (agentsStore.loaded) agentsStore.load().catch(() => {})
    },
    /** My own role or the account name changed. */
    profileChanged(): void {
      auth.loadProfile().catch(() => {})
    },
    /**
     * onPresence calls fn with each agent whose availability or connection
     * changed in the live store (agent.presence events) while the page is open.
     */
    onPresence(fn: (a: Pick<Agent, 'id' | 'availability' | 'online'>) => void): void {
      watch(
        () => agentsStore.agents,
        (now, before) => {
          const old = new Map(before.map((a) => [a.id, a]))
          for (const a of now) {
            const b = old.get(a.id)
            if (b && (b.availability !== a.availability || b.online !== a.online)) fn(a)
          }
        },
      )
    },
    /** The logged-in user's id. */
    myId(): number | null {
      return auth.user?.id ?? null
    },
  }
}
