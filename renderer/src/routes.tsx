import type { ReactNode } from 'react';
import { CaseHome } from './case/case-home';
import { EventsView } from './events/events-view';
import { FindingsView } from './findings/findings-view';
import { GraphView } from './graph/graph-view';
import { IdentitiesView } from './identities/identities-view';
import { IdentityPage } from './identities/identity-profile';
import { SqlConsole } from './sql/sql-console';
import { TimelineView } from './timeline/timeline-view';
import type { ViewName } from './view-state';

/**
 * The app's views, in tab order. To add one: a component taking the open case, an entry here
 * (its `key` is the shortcut after `g`, its position+1 the Alt+digit shortcut), and its name in
 * VIEWS of view-state.ts. `tab: false` views (the identity profile) are reached from others.
 */
export interface RouteProps {
  casePath: string;
  /** Bumped when the menu or a shortcut asks for the evidence picker. */
  importRequests: number;
}

export interface Route {
  view: ViewName;
  label: string;
  key: string;
  tab: boolean;
  render(props: RouteProps): ReactNode;
}

export const ROUTES: Route[] = [
  { view: 'home', label: 'Case', key: 'h', tab: true, render: (p) => <CaseHome casePath={p.casePath} importRequests={p.importRequests} /> },
  { view: 'events', label: 'Events', key: 'e', tab: true, render: (p) => <EventsView casePath={p.casePath} /> },
  { view: 'identities', label: 'Identities', key: 'i', tab: true, render: (p) => <IdentitiesView casePath={p.casePath} /> },
  { view: 'identity', label: 'Identity', key: 'p', tab: false, render: (p) => <IdentityPage casePath={p.casePath} /> },
  { view: 'graph', label: 'Graph & timeline', key: 'g', tab: true, render: (p) => <GraphView casePath={p.casePath} /> },
  { view: 'timeline', label: 'Timeline', key: 't', tab: false, render: (p) => <TimelineView casePath={p.casePath} isStandalone /> },
  { view: 'findings', label: 'Findings', key: 'f', tab: true, render: (p) => <FindingsView casePath={p.casePath} /> },
  { view: 'sql', label: 'SQL', key: 's', tab: true, render: (p) => <SqlConsole casePath={p.casePath} /> },
];
