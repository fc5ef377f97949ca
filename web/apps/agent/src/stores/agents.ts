// A cache of the current account's agents, teams and inboxes for the list
// filters and the assignment selects, kept live by agent.presence events.
// Loaded once per account; admin screens may call load() after changes.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { listAgents } from '@/api/agents'
import { listTeams } from '@/api/teams'
import { listInboxes } from '@/api/inboxes'
import { useAuthStore } from '@/stores/auth'
import type { Agent, Inbox, Team } from '@shared/types/admin'
import type { PresenceData } from '@shared/types/api'

export const useAgentsStore = defineStore('agents', () => {
  const auth = useAuthStore()
  const agents = ref<Agent[]>([])
  const teams = ref<Team[]>([])
  const inboxes = ref<Inbox[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  /** Presence versions per agent: drop presence events older than what we applied. */
  const presenceVersions = new Map<number, number>()
  let pending: Promise<void> | null = null
  let generation = 0

  const agentById = computed(() => new Map(agents.value.map((a) => [a.id, a])))
  const teamById = computed(() => new Map(teams.value.map((t) => [t.id, t])))
  const inboxById = computed(() => new Map(inboxes.value.map((i) => [i.id, i])))

  async function fetchAll(): Promise<void> {
    const gen = ++generation
    loading.value = true
    try {
      const [a, t, i] = await Promise.all([listAgents(), listTeams(), listInboxes()])
      if (gen !== generation) return
      agents.value = a
      teams.value = t
      inboxes.value = i
      loaded.value = true
    } finally {
      if (gen === generation) loading.value = false
    }
  }

  /** Loads (again); concurrent callers share one request. */
  function load(): Promise<void> {
    pending ??= fetchAll().finally(() => {
      pending = null
    })
    return pending
  }

  /** Loads unless already loaded. */
  function ensure(): Promise<void> {
    return loaded.value ? Promise.resolve() : load()
  }

  /** agent.presence: the agent went online or offline, or changed availability. */
  function applyPresence(p: PresenceData, version?: number): void {
    if (version !== undefined) {
      const held = presenceVersions.get(p.user_id) ?? 0
      if (version < held) return
      presenceVersions.set(p.user_id, version)
    }
    const i = agents.value.findIndex((a) => a.id === p.user_id)
    if (i === -1) {
      void load() // a new agent: learn about them
      return
    }
    const next = agents.value.slice()
    next[i] = { ...next[i]!, online: p.online, availability: p.availability }
    agents.value = next
  }

  /** Own availability changed through the top bar. */
  function setOwnAvailability(userId: number, availability: Agent['availability']): void {
    agents.value = agents.value.map((a) => (a.id === userId ? { ...a, availability } : a))
  }

  function reset(): void {
    generation++
    pending = null
    agents.value = []
    teams.value = []
    inboxes.value = []
    loaded.value = false
    presenceVersions.clear()
  }

  watch(
    () => auth.currentAccountId,
    () => reset(),
  )

  return {
    agents,
    teams,
    inboxes,
    loaded,
    loading,
    agentById,
    teamById,
    inboxById,
    load,
    ensure,
    applyPresence,
    setOwnAvailability,
    reset,
  }
})
