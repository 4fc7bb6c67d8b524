import type { ReactNode } from 'react';
import type { EventFilter } from '../../../shared/api';
import { shortenMiddle } from '../../../shared/event-columns';
import { useView } from '../view-state';

/**
 * A name the analyst can open: an identity opens its profile; a credential, a resource, an
 * address or a boundary opens the events that name it. Long ARNs are shortened in the middle,
 * where nothing tells them apart, with the whole value on hover.
 */
export type EntityKind = 'identity' | 'credential' | 'resource' | 'network' | 'boundary' | 'text';

export const shortName = (value: string, max = 42): string => shortenMiddle(value, max);

const FILTER_OF: Record<Exclude<EntityKind, 'identity' | 'text'>, (v: string) => Partial<EventFilter>> = {
  credential: (v) => ({ text: v }),
  resource: (v) => ({ resource: v }),
  network: (v) => ({ text: v.replace(/\.0\/24$|::\/64$/, '') }),
  boundary: (v) => ({ text: v }),
};

export function EntityChip({ kind, value, label, tone, children }: { kind: EntityKind; value: string; label?: string; tone?: 'danger' | 'muted'; children?: ReactNode }) {
  const { go, setFilter } = useView();
  const open = () => {
    if (kind === 'identity') return go('identity', { identity: value });
    if (kind === 'text') return;
    setFilter({ ...FILTER_OF[kind](value), finding: undefined });
    go('events');
  };
  return (
    <button type="button" className={`chip entity ${kind}${tone ? ` ${tone}` : ''}`} title={`${kind}: ${value}`} onClick={open} data-kind={kind}>
      {children}
      {label ?? shortName(value)}
    </button>
  );
}
