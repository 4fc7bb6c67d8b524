/**
 * What the desktop app's menu asks the renderer to do (sent on the `nhi:menu` channel). The
 * renderer binds the same actions to keyboard shortcuts in web mode, where there is no menu.
 */
export const MENU_ACTIONS = ['case.new', 'case.open', 'evidence.import', 'view.home', 'view.events', 'view.identities', 'view.graph', 'view.timeline', 'view.findings', 'view.sql', 'find'] as const;
export type MenuAction = (typeof MENU_ACTIONS)[number];
export const isMenuAction = (value: unknown): value is MenuAction => typeof value === 'string' && (MENU_ACTIONS as readonly string[]).includes(value);
export const MENU_CHANNEL = 'nhi:menu';
