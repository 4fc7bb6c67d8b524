import type { RecentCase } from '../../shared/api';
import type { MenuAction } from '../../shared/menu-actions';

/** A menu item as Electron's Menu.buildFromTemplate takes it (only the fields used here). */
export interface MenuItemSpec {
  label?: string;
  role?: string;
  accelerator?: string;
  type?: 'separator';
  enabled?: boolean;
  submenu?: MenuItemSpec[];
  click?: () => void;
}

/**
 * The app menu: the usual File / Edit / View / Window with the shortcuts a desktop user expects;
 * app-specific items are sent to the renderer as menu actions, recent cases reopen directly.
 */
export function appMenuTemplate(send: (action: MenuAction) => void, recent: RecentCase[], openRecent: (path: string) => void, platform = process.platform): MenuItemSpec[] {
  const item = (label: string, action: MenuAction, accelerator?: string): MenuItemSpec => ({ label, ...(accelerator ? { accelerator } : {}), click: () => send(action) });
  const recentItems: MenuItemSpec[] = recent.length
    ? recent.map((r) => ({ label: r.path, enabled: r.exists, click: () => openRecent(r.path) }))
    : [{ label: 'No recent cases', enabled: false }];
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' }] : []),
    {
      label: 'File',
      submenu: [
        item('New Case…', 'case.new', 'CmdOrCtrl+N'),
        item('Open Case…', 'case.open', 'CmdOrCtrl+O'),
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        item('Import Evidence…', 'evidence.import', 'CmdOrCtrl+I'),
        { type: 'separator' },
        { role: platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        item('Case Home', 'view.home', 'CmdOrCtrl+1'),
        item('Events', 'view.events', 'CmdOrCtrl+2'),
        item('Identities', 'view.identities', 'CmdOrCtrl+3'),
        item('Graph', 'view.graph', 'CmdOrCtrl+4'),
        item('Timeline', 'view.timeline', 'CmdOrCtrl+5'),
        item('Findings', 'view.findings', 'CmdOrCtrl+6'),
        item('SQL Console', 'view.sql', 'CmdOrCtrl+7'),
        { type: 'separator' },
        item('Find', 'find', 'CmdOrCtrl+F'),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
}
