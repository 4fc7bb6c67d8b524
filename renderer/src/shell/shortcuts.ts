import { useEffect, useRef } from 'react';
import type { MenuAction } from '../../../shared/menu-actions';
import { ROUTES } from '../routes';
import { useZone } from '../time-zone';

/**
 * Shortcuts that work in the browser as in the desktop app (where the menu has its own
 * accelerators): `g` then a view's key, Alt+digit, `/` to search, `t` for the time zone, `?`.
 * Keys typed into a field are the field's.
 */
export function useKeyboard({ onAction, toggleHelp, enabled }: { onAction: (a: MenuAction) => void; toggleHelp: () => void; enabled: boolean }): void {
  // The latest callbacks, without re-binding the listener (and losing a pending `g`) on each render.
  const latest = useRef({ onAction, toggleHelp, enabled });
  latest.current = { onAction, toggleHelp, enabled };
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      const { onAction, toggleHelp, enabled } = latest.current;
      const target = e.target as HTMLElement | null;
      const typing = target !== null && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
      // Keys typed in a dialog are the dialog's; a modal one (the help) blocks the app behind it.
      if (target?.closest?.('[role=dialog]') || document.querySelector('[aria-modal=true]')) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'i' && enabled) {
        e.preventDefault();
        return onAction('evidence.import');
      }
      if (typing || e.ctrlKey || e.metaKey) return;
      const tabs = ROUTES.filter((r) => r.tab);
      if (e.altKey && /^Digit[1-9]$/.test(e.code) && enabled) {
        const route = tabs[Number(e.code.slice(5)) - 1];
        if (route) {
          e.preventDefault();
          onAction(`view.${route.view}` as MenuAction);
        }
        return;
      }
      if (e.altKey) return;
      if (pendingG && Date.now() - pendingG < 1500 && enabled) {
        pendingG = 0;
        const route = ROUTES.find((r) => r.key === e.key);
        if (route) {
          e.preventDefault();
          onAction(`view.${route.view === 'identity' ? 'identities' : route.view}` as MenuAction);
        }
        return;
      }
      if (e.key === 'g') pendingG = Date.now();
      else if (e.key === '?') toggleHelp();
      else if (e.key === '/') {
        e.preventDefault();
        onAction('find');
      } else if (e.key === 't') {
        const { zone, setZone } = useZone.getState();
        setZone(zone === 'UTC' ? 'local' : 'UTC');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
