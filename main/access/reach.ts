import type { AccessStep } from '../../shared/access';
/**
 * Who an identity can become: breadth-first over trust, membership and escalation edges, keeping
 * the shortest path to each principal so that every "could reach" is explained step by step.
 */

/** A step from one identity to another, as the access tables hold it (without its citation). */
export type ReachEdge = Omit<AccessStep, 'cite'>;

export interface Reached {
  uid: string;
  /** The steps from the start, in order (empty for the start itself). */
  path: ReachEdge[];
}

/** Edges by where they start, built once for many walks (one per principal in the findings). */
export class ReachIndex {
  private readonly out = new Map<string, ReachEdge[]>();
  constructor(edges: readonly ReachEdge[]) {
    for (const e of edges) {
      const list = this.out.get(e.from);
      if (list) list.push(e);
      else this.out.set(e.from, [e]);
    }
  }

  from(start: string, maxDepth = 8): Reached[] {
    const seen = new Map<string, ReachEdge[]>([[start, []]]);
    let frontier = [start];
    for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
      const next: string[] = [];
      for (const uid of frontier) {
        const path = seen.get(uid)!;
        // An administrator node leads to every administrator, but only as a last step.
        if (uid.includes('-admin:') && path.length) continue;
        for (const e of this.out.get(uid) ?? []) {
          if (seen.has(e.to)) continue;
          seen.set(e.to, [...path, e]);
          next.push(e.to);
        }
      }
      frontier = next;
    }
    return [...seen].map(([uid, path]) => ({ uid, path }));
  }
}

export function reachable(start: string, edges: readonly ReachEdge[], maxDepth = 8): Reached[] {
  return new ReachIndex(edges).from(start, maxDepth);
}

export const isAdminNode = (uid: string) => /^(aws|k8s|gcp|azure)-admin:/.test(uid);
