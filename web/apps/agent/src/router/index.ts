// The agent app's routes (history mode) and the guard: unauthenticated
// visitors go to /login; admin routes (meta.admin) are for administrators
// of the current account only. Admin screens are lazy-loaded chunks.
import { createRouter, createWebHistory, type RouteRecordRaw, type Router, type RouterHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import AppShell from '@/features/layout/AppShell.vue'
import LoginView from '@/features/login/LoginView.vue'
import ConversationsView from '@/views/ConversationsView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    /** Administrators of the current account only. */
    admin?: boolean
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'Log in' } },
  {
    path: '/',
    component: AppShell,
    children: [
      { path: '', redirect: '/conversations' },
      {
        path: 'conversations/:id(\\d+)?',
        name: 'conversations',
        component: ConversationsView,
        meta: { title: 'Conversations' },
      },
      {
        path: 'admin',
        component: () => import('@/features/admin/AdminLayout.vue'),
        meta: { admin: true, title: 'Administration' },
        children: [
          { path: '', redirect: '/admin/agents' },
          { path: 'agents', name: 'admin-agents', component: () => import('@/features/admin/AgentsView.vue') },
          { path: 'teams', name: 'admin-teams', component: () => import('@/features/admin/TeamsView.vue') },
          { path: 'inboxes', name: 'admin-inboxes', component: () => import('@/features/admin/InboxesView.vue') },
          {
            path: 'knowledge-base',
            name: 'admin-kb',
            component: () => import('@/features/admin/KnowledgeBaseView.vue'),
          },
          { path: 'ai', name: 'admin-ai', component: () => import('@/features/admin/AISettingsView.vue') },
          { path: 'account', name: 'admin-account', component: () => import('@/features/admin/AccountView.vue') },
        ],
      },
    ],
  },
  { path: '/:pathMatch(.*)*', redirect: '/conversations' },
]

export function makeRouter(history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({ history, routes })
  router.beforeEach((to) => {
    const auth = useAuthStore()
    if (!to.meta.public && !auth.isAuthenticated) {
      return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/conversations' ? { redirect: to.fullPath } : {} }
    }
    if (to.name === 'login' && auth.isAuthenticated) return '/conversations'
    if (to.matched.some((r) => r.meta.admin) && !auth.isAdmin) return '/conversations'
    return true
  })
  router.afterEach((to) => {
    const title = [...to.matched].reverse().find((r) => r.meta.title)?.meta.title
    document.title = title ? `${title} · HummDesk` : 'HummDesk'
  })
  return router
}
