// Entry of the agent app: design tokens, Pinia, the session (http.ts hooks,
// proactive refresh), the router, and what happens when a session ends.
import '@shared/ui/tokens.css'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { makeRouter } from '@/router'
import { useAuthStore } from '@/stores/auth'
import { useConversationsStore } from '@/stores/conversations'
import { useAgentsStore } from '@/stores/agents'
import { stopRealtime } from '@/realtime/client'

const app = createApp(App)
app.use(createPinia())

const auth = useAuthStore()
auth.install()

const router = makeRouter()
auth.onSessionEnd((reason) => {
  stopRealtime()
  useConversationsStore().reset()
  useAgentsStore().reset()
  const here = router.currentRoute.value
  if (here.meta.public) return
  const query = reason === 'expired' && here.fullPath !== '/conversations' ? { redirect: here.fullPath } : undefined
  void router.replace({ name: 'login', query })
})

app.use(router)
app.mount('#app')
