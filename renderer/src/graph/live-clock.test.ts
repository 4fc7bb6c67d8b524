import { describe, expect, it } from 'vitest';
import { createLiveClock } from './live-clock';

describe('the live replay clock', () => {
  it('tells its listeners each new position once, and no longer after they unsubscribe', () => {
    const live = createLiveClock();
    const heard: (number | null)[] = [];
    const stop = live.subscribe((at) => heard.push(at));
    live.set(1000);
    live.set(1000);
    live.set(2000);
    expect(live.get()).toBe(2000);
    stop();
    live.set(null);
    expect(heard).toEqual([1000, 2000]);
    expect(live.get()).toBeNull();
  });
});
